import type { LoggerService } from '@nestjs/common';
import pino, { type DestinationStream, type Level, type Logger } from 'pino';
import type { AppConfig } from '../../config/app-config';

/** Injection token of the root pino logger (the one Fastify logs requests with). */
export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

/** Never written, whatever is logged: credentials. */
const REDACT = [
  'authorization',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  'token',
];

/**
 * pino's `isoTime`, formatted at most once per millisecond: every request writes a line, and
 * `Date#toISOString` was about 2% of a GET's CPU under load. Same output, to the millisecond.
 */
export function isoTimeOncePerMillisecond(): () => string {
  let last = Number.NaN;
  let field = '';
  return () => {
    const now = Date.now();
    if (now !== last) {
      last = now;
      field = `,"time":"${new Date(now).toISOString()}"`;
    }
    return field;
  };
}

/**
 * The one logger of the service: pino, shared by Fastify (request lines) and Nest (framework
 * and service messages). One JSON object per line with an ISO time and a level name, so any log
 * shipper reads it as is; in development, in a terminal, pino-pretty renders it for humans.
 */
export function createRootLogger(config: AppConfig, destination?: DestinationStream): Logger {
  const options = {
    level: config.logLevel,
    timestamp: isoTimeOncePerMillisecond(),
    formatters: { level: (label: string) => ({ level: label }) },
    redact: { paths: REDACT, censor: '[redacted]' },
  };
  if (destination) return pino(options, destination);
  if (config.env === 'development' && process.stdout.isTTY) {
    return pino({
      ...options,
      transport: {
        target: 'pino-pretty',
        options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
      },
    });
  }
  return pino(options);
}

/** Nest's boot chatter, kept for debug level. */
const BOOT_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'NestApplication']);

/** Nest's LoggerService on top of pino: framework messages become JSON lines with a `context`. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  /** Nest passes `(message, ...details, context)`; an error's stack comes as the first detail. */
  private write(level: Level, message: unknown, params: unknown[]): void {
    const rest = [...params];
    const context = typeof rest.at(-1) === 'string' ? (rest.pop() as string) : undefined;
    const effective = level === 'info' && context && BOOT_CONTEXTS.has(context) ? 'debug' : level;
    if (!this.logger.isLevelEnabled(effective)) return;
    const fields: Record<string, unknown> = { context };
    if (typeof rest[0] === 'string' && /\n\s+at /.test(rest[0])) fields.stack = rest.shift();
    if (message instanceof Error) {
      this.logger[effective]({ ...fields, err: message }, message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.logger[effective]({ ...fields, ...message });
    } else {
      this.logger[effective](fields, String(message));
    }
  }
}
