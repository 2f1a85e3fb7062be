import { Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { placeholdersFor, UnitOfWork, type Transaction } from '../common/database/unit-of-work';
import type { AuditAction, AuditChanges, AuditEvent } from './audit-event';

export interface AuditQuery {
  tenant: string;
  /** ISO-8601 instants; events at or after `since` and before `until`. */
  since?: string;
  until?: string;
  resourceId?: string;
  limit: number;
}

interface AuditRow {
  occurred_at: string;
  tenant_id: string;
  identity_id: string | null;
  client_id: string | null;
  action: AuditAction;
  resource_type: string;
  resource_id: string;
  changes: string;
  tracking_id: string | null;
}

const COLUMNS =
  'occurred_at, tenant_id, identity_id, client_id, action, resource_type, resource_id, changes, tracking_id';

/**
 * The `audit_event` table: append-only (its triggers refuse UPDATE and DELETE). Inserts run in
 * the audited change's own transaction; `selectAuditEvents` reads them for `npm run audit`.
 */
@Injectable()
export class AuditEventsRepository {
  private readonly insertSql: string;

  constructor(uow: UnitOfWork) {
    this.insertSql = placeholdersFor(
      uow.dialect,
      `INSERT INTO audit_event (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  async insert(tx: Transaction, event: AuditEvent): Promise<void> {
    await tx.query(this.insertSql, [
      event.occurredAt,
      event.tenant,
      event.actor.identityId,
      event.actor.clientId,
      event.action,
      event.resourceType,
      event.resourceId,
      JSON.stringify(event.changes),
      event.trackingId,
    ]);
  }
}

/** One tenant's events, oldest first (on a DataSource of its own: the CLI runs beside the service). */
export async function selectAuditEvents(dataSource: DataSource, query: AuditQuery): Promise<AuditEvent[]> {
  const dialect = dataSource.options.type === 'postgres' ? 'postgres' : 'sqlite';
  const params: unknown[] = [query.tenant];
  const where = ['tenant_id = ?'];
  const add = (condition: string, value: unknown) => {
    params.push(value);
    where.push(`${condition} ?`);
  };
  // occurred_at is ISO-8601 UTC with milliseconds throughout, so text order is time order.
  if (query.since) add('occurred_at >=', query.since);
  if (query.until) add('occurred_at <', query.until);
  if (query.resourceId) add('resource_id =', query.resourceId);
  params.push(query.limit);
  const sql = `SELECT ${COLUMNS} FROM audit_event WHERE ${where.join(' AND ')} ORDER BY occurred_at, id LIMIT ?`;
  const rows = await dataSource.query<AuditRow[]>(placeholdersFor(dialect, sql), params);
  return rows.map((row) => ({
    occurredAt: row.occurred_at,
    tenant: row.tenant_id,
    actor: { identityId: row.identity_id, clientId: row.client_id },
    action: row.action,
    resourceType: row.resource_type,
    resourceId: row.resource_id,
    changes: JSON.parse(row.changes) as AuditChanges,
    trackingId: row.tracking_id,
  }));
}
