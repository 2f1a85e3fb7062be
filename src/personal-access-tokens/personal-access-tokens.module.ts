import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PersonalAccessToken } from './personal-access-token.entity';
import { PatLiveness } from './pat-liveness';
import { PersonalAccessTokensController } from './personal-access-tokens.controller';
import { PersonalAccessTokensRepository } from './personal-access-tokens.repository';
import { PersonalAccessTokensService } from './personal-access-tokens.service';
import { FailedAttempts } from './oauth/failed-attempts';
import { OAuthTokenController } from './oauth/oauth-token.controller';
import { OAuthTokenService } from './oauth/oauth-token.service';

/**
 * Personal access tokens (SailPoint's PAT API) and the OAuth token endpoint that exchanges
 * them for access tokens (oauth/). Controller (HTTP) → service (the rules) → repository (the
 * SQL), with its entity and migrations in this folder.
 */
@Module({
  imports: [TypeOrmModule.forFeature([PersonalAccessToken])],
  controllers: [PersonalAccessTokensController, OAuthTokenController],
  providers: [
    PersonalAccessTokensService,
    PersonalAccessTokensRepository,
    PatLiveness,
    OAuthTokenService,
    FailedAttempts,
  ],
})
export class PersonalAccessTokensModule {}
