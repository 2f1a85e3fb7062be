import { Module } from '@nestjs/common';
import { PasswordSyncGroupsController } from './password-sync-groups.controller';
import { PasswordSyncGroupsRepository } from './password-sync-groups.repository';
import { PasswordSyncGroupsService } from './password-sync-groups.service';

@Module({
  controllers: [PasswordSyncGroupsController],
  providers: [PasswordSyncGroupsService, PasswordSyncGroupsRepository],
})
export class PasswordSyncGroupsModule {}
