import { DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { CoreModule } from './common/core.module';
import type { AppConfig } from './config/app-config';
import { HealthModule } from './health/health.module';
import { PasswordSyncGroupsModule } from './password-sync-groups/password-sync-groups.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [CoreModule.forRoot(config, logger), HealthModule, PasswordSyncGroupsModule],
    };
  }
}
