import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource, type EntityManager, type EntitySubscriberInterface, type QueryRunner } from 'typeorm';
import { UnitOfWork } from '../common/database/unit-of-work';
import { ROOT_LOGGER } from '../common/logging/logger';
import { requestScope } from '../observability/request-scope';

export type AuditAction = 'create' | 'update' | 'delete';

/** The audited fields of a group, and their values (ids and names only: never a credential). */
export interface AuditedGroup {
  name: string;
  passwordPolicyId: string;
  sourceIds: string[];
}

type Change<T> = { from?: T; to?: T };
export type AuditChanges = Partial<{ [K in keyof AuditedGroup]: Change<AuditedGroup[K]> }>;

/** One audit event, as stored and as logged (`"type":"audit"`). */
export interface AuditEvent {
  occurredAt: string;
  tenant: string;
  actor: { identityId: string | null; clientId: string | null };
  action: AuditAction;
  resourceType: 'password-sync-group';
  groupId: string;
  changes: AuditChanges;
  trackingId: string | null;
}

const FIELDS = ['name', 'passwordPolicyId', 'sourceIds'] as const;

/**
 * Who changed which group, how. Each successful create, update and delete writes one row to the
 * append-only `audit_event` table IN THE CHANGE'S OWN TRANSACTION (a write that rolls back —
 * 404, 412, a conflict, a crash — leaves no event), and once the transaction has committed, one
 * JSON log line `"type":"audit"`. The actor (identity_id, client_id) and the trackingId come
 * from the request being served (requestScope).
 */
@Injectable()
export class AuditTrail implements OnModuleInit {
  /** Events written in a transaction not yet committed, by its query runner. */
  private readonly pending = new WeakMap<QueryRunner, AuditEvent[]>();
  private readonly postgres: boolean;
  private readonly param: (n: number) => string;

  constructor(
    private readonly dataSource: DataSource,
    uow: UnitOfWork,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {
    this.postgres = uow.dialect === 'postgres';
    this.param = this.postgres ? (n) => `$${n}` : () => '?';
  }

  onModuleInit(): void {
    const subscriber: EntitySubscriberInterface = {
      afterTransactionCommit: ({ queryRunner }) => this.flush(queryRunner, true),
      afterTransactionRollback: ({ queryRunner }) => this.flush(queryRunner, false),
    };
    this.dataSource.subscribers.push(subscriber);
  }

  /** In create's transaction, once the group is written. */
  created(m: EntityManager, tenantId: string, groupId: string, group: AuditedGroup): Promise<void> {
    return this.record(m, tenantId, 'create', groupId, diff(undefined, group));
  }

  /** In update's transaction, after the row is claimed and BEFORE it is changed: the stored values are the "from". */
  async updating(m: EntityManager, tenantId: string, groupId: string, next: AuditedGroup): Promise<void> {
    const current = await this.current(m, tenantId, groupId, false);
    if (current) await this.record(m, tenantId, 'update', groupId, diff(current, next));
  }

  /**
   * In delete's transaction, BEFORE the group is deleted (its values are what the event records);
   * on PostgreSQL the read locks the row, as the claim that follows would.
   */
  async deleting(m: EntityManager, tenantId: string, groupId: string): Promise<void> {
    const current = await this.current(m, tenantId, groupId, true);
    if (current) await this.record(m, tenantId, 'delete', groupId, diff(current, undefined));
  }

  private async current(
    m: EntityManager,
    tenantId: string,
    groupId: string,
    lock: boolean,
  ): Promise<AuditedGroup | undefined> {
    const p = this.param;
    const forUpdate = lock && this.postgres ? ' FOR UPDATE' : '';
    const [group] = await m.query<Array<{ name: string; policy: string }>>(
      `SELECT name, password_policy_id AS policy FROM password_sync_group WHERE tenant_id = ${p(1)} AND id = ${p(2)}${forUpdate}`,
      [tenantId, groupId],
    );
    if (!group) return undefined;
    const sources = await m.query<Array<{ id: string }>>(
      `SELECT source_id AS id FROM password_sync_group_source WHERE tenant_id = ${p(1)} AND group_id = ${p(2)} ORDER BY position`,
      [tenantId, groupId],
    );
    return { name: group.name, passwordPolicyId: group.policy, sourceIds: sources.map((s) => s.id) };
  }

  private async record(
    m: EntityManager,
    tenant: string,
    action: AuditAction,
    groupId: string,
    changes: AuditChanges,
  ): Promise<void> {
    const request = requestScope.getStore();
    const principal = request?.user ?? undefined;
    const event: AuditEvent = {
      occurredAt: new Date().toISOString(),
      tenant,
      actor: { identityId: principal?.identityId ?? null, clientId: principal?.clientId ?? null },
      action,
      resourceType: 'password-sync-group',
      groupId,
      changes,
      trackingId: request ? String(request.id) : null,
    };
    const p = this.param;
    await m.query(
      `INSERT INTO audit_event (occurred_at, tenant_id, identity_id, client_id, action, resource_type, resource_id, changes, tracking_id) ` +
        `VALUES (${[1, 2, 3, 4, 5, 6, 7, 8, 9].map(p).join(', ')})`,
      [
        event.occurredAt,
        tenant,
        event.actor.identityId,
        event.actor.clientId,
        action,
        event.resourceType,
        groupId,
        JSON.stringify(changes),
        event.trackingId,
      ],
    );
    const runner = m.queryRunner!;
    const events = this.pending.get(runner) ?? [];
    events.push(event);
    this.pending.set(runner, events);
  }

  private flush(runner: QueryRunner | undefined, committed: boolean): void {
    if (!runner) return;
    const events = this.pending.get(runner);
    if (!events) return;
    this.pending.delete(runner);
    if (committed) for (const event of events) this.logger.info({ type: 'audit', ...event }, 'audit event');
  }
}

/** The fields that differ, with their values; a create has only `to`, a delete only `from`. */
function diff(before: AuditedGroup | undefined, after: AuditedGroup | undefined): AuditChanges {
  const changes: Record<string, Change<unknown>> = {};
  for (const field of FIELDS) {
    const from = before?.[field];
    const to = after?.[field];
    if (JSON.stringify(from) === JSON.stringify(to)) continue;
    changes[field] = { ...(from !== undefined && { from }), ...(to !== undefined && { to }) };
  }
  return changes;
}
