import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PersonalAccessToken } from './personal-access-token.entity';
import { PatLiveness } from './pat-liveness';
import { PersonalAccessTokensController } from './personal-access-tokens.controller';
import { PersonalAccessTokensRepository } from './personal-access-tokens.repository';
import { PersonalAccessTokensService } from './personal-access-tokens.service';

/**
 * Personal access tokens (SailPoint's PAT API). Controller (HTTP) → service (the rules) →
 * repository (the SQL), with its entity and migrations in this folder.
 */
@Module({
  imports: [TypeOrmModule.forFeature([PersonalAccessToken])],
  controllers: [PersonalAccessTokensController],
  providers: [PersonalAccessTokensService, PersonalAccessTokensRepository, PatLiveness],
})
export class PersonalAccessTokensModule {}
