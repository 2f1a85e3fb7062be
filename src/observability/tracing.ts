import type { Logger } from 'pino';
import type { Tracing } from './tracing-api';

/**
 * OpenTelemetry tracing, opt-in through the standard variables: on when an OTLP endpoint is set
 * (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT), unless
 * OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none. Off, no @opentelemetry module is loaded
 * and no hook, guard or driver wrapper is installed.
 */
export function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  if (env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() === 'none') return false;
  return !!(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim());
}

export type { Tracing } from './tracing-api';

/** Injection token: the Tracing, or null when off. */
export const TRACING = Symbol('TRACING');

export async function startTracingIfEnabled(logger: Logger, dialect: string): Promise<Tracing | null> {
  if (!tracingEnabled()) return null;
  const sdk = await import('./tracing-sdk');
  return sdk.startTracing(logger, dialect);
}
