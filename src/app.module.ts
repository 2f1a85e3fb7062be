import { DynamicModule, Module, type Type } from '@nestjs/common';
import type { Logger } from 'pino';
import { CoreModule } from './common/core.module';
import type { AppConfig } from './config/app-config';
import { HealthModule } from './health/health.module';
import { ObservabilityModule } from './observability/observability.module';
import { PasswordSyncGroupsModule } from './password-sync-groups/password-sync-groups.module';
import { PersonalAccessTokensModule } from './personal-access-tokens/personal-access-tokens.module';

@Module({})
export class AppModule {
  /** `extraModules`: feature modules mounted beside the built-in ones (see createApp). */
  static forRoot(
    config: AppConfig,
    logger: Logger,
    extraModules: ReadonlyArray<Type<unknown> | DynamicModule> = [],
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(config, logger),
        ObservabilityModule.forRoot(config),
        HealthModule,
        PasswordSyncGroupsModule,
        PersonalAccessTokensModule,
        ...extraModules,
      ],
    };
  }
}
