import { DynamicModule, Module } from '@nestjs/common';
import { CoreModule } from './common/core.module';
import type { AppConfig } from './config/app-config';
import { PasswordSyncGroupsModule } from './password-sync-groups/password-sync-groups.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [CoreModule.forRoot(config), PasswordSyncGroupsModule],
    };
  }
}
