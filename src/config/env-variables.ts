import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';

/*
 * What every concern's variables share: how a value is read (an empty variable means "not
 * set", as in most twelve-factor tooling) and how a bad one is reported (its name, the rule,
 * the value).
 */

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value;

export const toBool = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  return value;
};

/** Comma-separated values, trimmed; undefined when there are none. */
export function list(value: string | undefined): string[] | undefined {
  const items = (value ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  return items.length > 0 ? items : undefined;
}

/** The set variables of an environment (empty ones count as unset). */
export function setVariables(env: NodeJS.ProcessEnv): Record<string, string> {
  const raw: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined && value !== '') raw[key] = value;
  return raw;
}

/**
 * One concern's variables, typed with their defaults, and the problems of those that are
 * invalid ("PORT must not be greater than 65535 (got 70000)").
 */
export function readVariables<T extends object>(
  variables: new () => T,
  raw: Record<string, string>,
): { vars: T; problems: string[] } {
  const vars = plainToInstance(variables, raw, { exposeDefaultValues: true });
  const problems = validateSync(vars, { stopAtFirstError: true }).map((e) => {
    const message = Object.values(e.constraints ?? {})[0] ?? 'is invalid';
    return `${e.property} ${message.replace(new RegExp(`^${e.property} `), '')} (got ${JSON.stringify(e.value)})`;
  });
  return { vars, problems };
}
