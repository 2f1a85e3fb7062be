import { shown } from './check.decorator';

/** A resource's display name, as SailPoint's APIs take it (groups and personal access tokens alike). */
export const MAX_NAME_LENGTH = 255;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * What both databases cannot store as given: PostgreSQL text cannot hold U+0000 (it would be a
 * 500 there), and a lone UTF-16 surrogate cannot be stored as UTF-8 (the database would return a
 * different value).
 */
export function unstorableTextProblem(field: string, value: string): string | undefined {
  if (value.includes('\u0000')) return `${field} must not contain the NUL character (\\u0000).`;
  if (LONE_SURROGATE.test(value)) return `${field} must be valid Unicode text (it contains an unpaired surrogate).`;
  return undefined;
}

/** `name`: required, 1-255 characters, storable. */
export function nameProblem(value: unknown): string | undefined {
  if (value === undefined || value === null) return 'name is required.';
  if (typeof value !== 'string') return `name must be a string (got ${shown(value)}).`;
  if (value.length === 0) return 'name must not be empty or only whitespace.';
  if (value.length > MAX_NAME_LENGTH)
    return `name must be at most ${MAX_NAME_LENGTH} characters (got ${value.length}).`;
  return unstorableTextProblem('name', value);
}
