/**
 * Prints one tenant's audit trail, oldest first, one JSON event per line (the shape of the
 * `"type":"audit"` log lines):
 *   npm run audit -- --tenant acme --since 2026-12-01T00:00:00Z [--until …] [--resource <id>] [--limit 1000]
 * Reads DATA_DIR / DATABASE_URL like the service; works while it runs.
 */
import { parseArgs } from 'node:util';
import { readAuditEvents } from '../src/audit/audit-reader';
import { loadConfig } from '../src/config/app-config';

const USAGE =
  'usage: npm run audit -- --tenant TENANT [--since ISO-8601] [--until ISO-8601] [--resource ID] [--limit N]';

/** An instant as stored (ISO-8601 UTC with milliseconds), from any ISO-8601 form the operator types. */
function instant(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const time = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+)?(Z|[+-]\d{2}:?\d{2})?$/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(time))
    throw new Error(`--${name} must be an ISO-8601 date or time, e.g. 2026-12-01T00:00:00Z (got ${value})`);
  return new Date(time).toISOString();
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      tenant: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      resource: { type: 'string' },
      limit: { type: 'string', default: '1000' },
    },
    strict: true,
  });
  if (!values.tenant) throw new Error(USAGE);
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1)
    throw new Error(`--limit must be a positive integer (got ${values.limit})`);
  const events = await readAuditEvents(loadConfig(process.env, { tokensVerified: false }), {
    tenant: values.tenant,
    since: instant('since', values.since),
    until: instant('until', values.until),
    resourceId: values.resource,
    limit,
  });
  for (const event of events) process.stdout.write(`${JSON.stringify({ type: 'audit', ...event })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
