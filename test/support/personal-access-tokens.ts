import type { DataSource } from 'typeorm';

/**
 * Where the personal access tokens API is served. The first is the one most tests use; every
 * operation is also checked under the others: SailPoint's per-service path and yearly prefixes.
 */
export const PAT_BASES = [
  '/personal-access-tokens',
  '/personal-access-tokens/v1',
  '/v3/personal-access-tokens',
  '/beta/personal-access-tokens',
  '/v2025/personal-access-tokens',
  '/latest/personal-access-tokens',
];
export const PAT = PAT_BASES[0];

export const PAT_ID = /^[0-9a-f]{32}$/;
export const PAT_SECRET = /^[0-9a-f]{64}$/;

/** Every PAT row, stored columns (secret hash included), in a stable order. */
export async function patRows(dataSource: DataSource): Promise<Array<Record<string, unknown>>> {
  const rows: Array<Record<string, unknown>> = await dataSource.query(
    'SELECT id, tenant_id, owner_id, owner_name, name, scopes, authorities, secret_hash, access_token_validity_seconds, ' +
      'expiration_date, user_aware_token_never_expires, created, last_used FROM personal_access_token ORDER BY created, id',
  );
  // SQLite returns booleans as 0/1.
  return rows.map((r) => ({ ...r, user_aware_token_never_expires: Boolean(r.user_aware_token_never_expires) }));
}

export async function clearPats(dataSource: DataSource): Promise<void> {
  await dataSource.query('DELETE FROM personal_access_token');
}

/** A date-time this many days from now, as the API stores it. */
export const daysFromNow = (days: number) => new Date(Date.now() + days * 86400_000).toISOString();

/** A PAT's audited fields as an audit event's `changes` of a create (`to`) or a delete (`from`). */
export const auditedAs = (key: 'from' | 'to', fields: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(fields).map(([field, value]) => [field, { [key]: value }]));
