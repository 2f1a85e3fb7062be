import { existsSync } from 'node:fs';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { buildDataSourceOptions } from '../database/typeorm-options';
import type { AuditAction, AuditChanges, AuditEvent } from './audit-trail';

export interface AuditQuery {
  tenant: string;
  /** ISO-8601 instants; events at or after `since` and before `until`. */
  since?: string;
  until?: string;
  groupId?: string;
  limit: number;
}

interface AuditRow {
  occurred_at: string;
  tenant_id: string;
  identity_id: string | null;
  client_id: string | null;
  action: AuditAction;
  resource_type: 'password-sync-group';
  resource_id: string;
  changes: string;
  tracking_id: string | null;
}

/**
 * Reads one tenant's audit events, oldest first, from the database the service with this
 * configuration uses (for `npm run audit`). It runs no migrations and changes nothing.
 */
export async function readAuditEvents(config: AppConfig, query: AuditQuery): Promise<AuditEvent[]> {
  if (config.database.type === 'sqlite' && !existsSync(config.database.database)) {
    throw new Error(`There is no database at ${config.database.database} (is DATA_DIR/DATABASE_URL right?)`);
  }
  const dataSource = new DataSource({ ...buildDataSourceOptions({ ...config, migrationsRun: false }), entities: [] });
  await dataSource.initialize();
  try {
    const postgres = dataSource.options.type === 'postgres';
    const params: unknown[] = [query.tenant];
    const where = [`tenant_id = ${postgres ? '$1' : '?'}`];
    const add = (condition: string, value: unknown) => {
      params.push(value);
      where.push(`${condition} ${postgres ? `$${params.length}` : '?'}`);
    };
    // occurred_at is ISO-8601 UTC with milliseconds throughout, so text order is time order.
    if (query.since) add('occurred_at >=', query.since);
    if (query.until) add('occurred_at <', query.until);
    if (query.groupId) add('resource_id =', query.groupId);
    params.push(query.limit);
    const rows = await dataSource.query<AuditRow[]>(
      `SELECT occurred_at, tenant_id, identity_id, client_id, action, resource_type, resource_id, changes, tracking_id ` +
        `FROM audit_event WHERE ${where.join(' AND ')} ORDER BY occurred_at, id LIMIT ${postgres ? `$${params.length}` : '?'}`,
      params,
    );
    return rows.map((row) => ({
      occurredAt: row.occurred_at,
      tenant: row.tenant_id,
      actor: { identityId: row.identity_id, clientId: row.client_id },
      action: row.action,
      resourceType: row.resource_type,
      groupId: row.resource_id,
      changes: JSON.parse(row.changes) as AuditChanges,
      trackingId: row.tracking_id,
    }));
  } finally {
    await dataSource.destroy();
  }
}
