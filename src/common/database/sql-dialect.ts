// No imports: the benchmark's bare baseline loads this (through GroupQueries) without any framework.

/** The SQL dialects the service runs on, for the few queries written per dialect. */
export type SqlDialect = 'sqlite' | 'postgres';

/**
 * SQL written with `?` placeholders, as `dialect` takes them: numbered `$1`, `$2`, … on
 * PostgreSQL. The text must hold no `?` inside a literal. For repositories, once per statement.
 */
export function placeholdersFor(dialect: SqlDialect, text: string): string {
  if (dialect === 'sqlite') return text;
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
}
