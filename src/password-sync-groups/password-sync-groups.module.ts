import { Module } from '@nestjs/common';
import { PasswordSyncGroupsController } from './password-sync-groups.controller';
import { PasswordSyncGroupsService } from './password-sync-groups.service';

@Module({
  controllers: [PasswordSyncGroupsController],
  providers: [PasswordSyncGroupsService],
})
export class PasswordSyncGroupsModule {}
