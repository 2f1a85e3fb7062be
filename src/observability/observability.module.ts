import {
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { AuditModule } from '../audit/audit.module';
import { UnitOfWork } from '../common/database/unit-of-work';
import { ROOT_LOGGER } from '../common/logging/logger';
import { RATE_LIMIT_STORE } from '../common/throttling/rate-limit-store.module';
import type { RedisRateLimitStore } from '../common/throttling/redis-rate-limit-store';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import type { Metrics } from './metrics';
import { MetricsServer } from './metrics-server';
import { instrumentStatements } from './statement-instrumentation';
import { TRACING, startTracingIfEnabled, tracingEnabled, type Tracing } from './tracing';
import { TracingGuard } from './tracing.guard';

/** Injection token: the Metrics, or null when METRICS_PORT is unset. */
export const METRICS = Symbol('METRICS');

/**
 * Wires metrics (when METRICS_PORT is set) and tracing (when an OTLP endpoint is set) into the
 * database layer, and serves the metrics. Both off, it does nothing: no listener, the drivers
 * untouched, no request hook but the audit trail's (writes only).
 */
@Injectable()
export class ObservabilityLifecycle implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private server?: MetricsServer;

  constructor(
    @Inject(METRICS) private readonly metrics: Metrics | null,
    @Inject(TRACING) private readonly tracing: Tracing | null,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Inject(RATE_LIMIT_STORE) private readonly rateLimitStore: RedisRateLimitStore | null,
    private readonly dataSource: DataSource,
    private readonly uow: UnitOfWork,
  ) {}

  onModuleInit(): void {
    if (this.tracing) {
      instrumentStatements(this.dataSource, this.tracing.statementListener, {
        keepAsyncContext: this.tracing.contextEntered,
      });
    }
    const metrics = this.metrics;
    if (!metrics) return;
    instrumentStatements(this.dataSource, metrics.statementListener);
    if (this.uow.dialect === 'sqlite') this.uow.onQueueWait = metrics.queueWaited;
    else metrics.watchPool((this.dataSource.driver as PostgresDriver).master as Pool);
    metrics.watchRateLimitStore(this.rateLimitStore);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.metrics || !this.config.metrics) return;
    this.server = new MetricsServer(this.metrics, this.logger);
    await this.server.listen(this.config.metrics.port, this.config.metrics.host);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.server?.close();
    // Sends the spans still buffered.
    await this.tracing?.shutdown();
  }

  /** Where /metrics is served (undefined when off). */
  get metricsUrl(): string | undefined {
    return this.server?.url;
  }
}

@Module({})
export class ObservabilityModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ObservabilityModule,
      // The audit trail rides along (global), so AppModule imports one module for operations.
      imports: [AuditModule],
      providers: [
        // prom-client is loaded only when metrics are on.
        {
          provide: METRICS,
          useFactory: async () => (config.metrics ? new (await import('./metrics')).Metrics() : null),
        },
        {
          provide: TRACING,
          inject: [ROOT_LOGGER],
          useFactory: (logger: Logger) => startTracingIfEnabled(logger, config.database.type),
        },
        // After CoreModule's global guards: see TracingGuard.
        ...(tracingEnabled() ? [{ provide: APP_GUARD, useClass: TracingGuard }] : []),
        ObservabilityLifecycle,
      ],
      exports: [METRICS, TRACING, ObservabilityLifecycle],
    };
  }
}
