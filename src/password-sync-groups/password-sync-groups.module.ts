import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PasswordSyncGroupSource } from './password-sync-group-source.entity';
import { PasswordSyncGroup } from './password-sync-group.entity';
import { PasswordSyncGroupsController } from './password-sync-groups.controller';
import { PasswordSyncGroupsRepository } from './password-sync-groups.repository';
import { PasswordSyncGroupsService } from './password-sync-groups.service';

/** The feature's own folder is all it needs: its entities here, its migrations in ./migrations/<dialect>/. */
@Module({
  imports: [TypeOrmModule.forFeature([PasswordSyncGroup, PasswordSyncGroupSource])],
  controllers: [PasswordSyncGroupsController],
  providers: [PasswordSyncGroupsService, PasswordSyncGroupsRepository],
})
export class PasswordSyncGroupsModule {}
