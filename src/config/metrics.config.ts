import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { toInt } from './env-variables';

/** Prometheus metrics, on a listener of their own (never the public API port). */
export class MetricsVariables {
  // Unset: no listener, and nothing is collected.
  @IsOptional()
  @Transform(toInt)
  @Min(0)
  @Max(65535)
  @IsInt()
  METRICS_PORT?: number;

  @IsString()
  METRICS_HOST = '127.0.0.1';
}

export interface MetricsSettings {
  /** Where /metrics is served (Prometheus); undefined = metrics off. */
  metrics?: { port: number; host: string };
}

export function metricsSettings(vars: MetricsVariables): MetricsSettings {
  return {
    metrics: vars.METRICS_PORT === undefined ? undefined : { port: vars.METRICS_PORT, host: vars.METRICS_HOST },
  };
}
