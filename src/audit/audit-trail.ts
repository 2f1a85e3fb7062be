import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource, type EntitySubscriberInterface, type QueryRunner } from 'typeorm';
import type { Actor } from '../common/auth/principal.decorator';
import type { Transaction } from '../common/database/unit-of-work';
import { ROOT_LOGGER } from '../common/logging/logger';
import type { AuditAction, AuditChanges, AuditEvent } from './audit-event';
import { AuditEventsRepository } from './audit-events.repository';

export type { AuditAction, AuditChanges, AuditEvent } from './audit-event';

/** What a feature tells the trail (the actor from its controller's `@CurrentActor()`). */
export interface AuditedChange {
  actor: Actor;
  action: AuditAction;
  resourceType: string;
  resourceId: string;
  changes: AuditChanges;
}

/**
 * Who changed what, how. A feature calls `record` inside its write transaction, passing the
 * transaction (UnitOfWork's `Transaction`): the event's row commits or rolls back with the
 * change (a write that fails — 404, 412, a conflict, a crash — leaves no event), and once the
 * transaction has committed, one JSON log line `"type":"audit"` follows. The actor
 * (tenant, identity_id, client_id, trackingId) is the request's, handed down by the feature.
 */
@Injectable()
export class AuditTrail implements OnModuleInit {
  /** Events written in a transaction not yet committed, by its query runner. */
  private readonly pending = new WeakMap<QueryRunner, AuditEvent[]>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly events: AuditEventsRepository,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    const subscriber: EntitySubscriberInterface = {
      afterTransactionCommit: ({ queryRunner }) => this.flush(queryRunner, true),
      afterTransactionRollback: ({ queryRunner }) => this.flush(queryRunner, false),
    };
    this.dataSource.subscribers.push(subscriber);
  }

  async record(tx: Transaction, change: AuditedChange): Promise<void> {
    const { actor } = change;
    const event: AuditEvent = {
      occurredAt: new Date().toISOString(),
      tenant: actor.tenantId,
      actor: { identityId: actor.identityId, clientId: actor.clientId },
      action: change.action,
      resourceType: change.resourceType,
      resourceId: change.resourceId,
      changes: change.changes,
      trackingId: actor.trackingId,
    };
    await this.events.insert(tx, event);
    const runner = tx.queryRunner!;
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

/**
 * The fields that differ between two states of a thing, with their values; a create has only
 * `to`, a delete only `from`. Pass only fields whose values may be logged.
 */
export function changesOf<T extends object>(before: T | undefined, after: T | undefined): AuditChanges {
  const changes: AuditChanges = {};
  for (const field of Object.keys((after ?? before)!) as (keyof T & string)[]) {
    const from = before?.[field];
    const to = after?.[field];
    if (JSON.stringify(from) === JSON.stringify(to)) continue;
    changes[field] = { ...(from !== undefined && { from }), ...(to !== undefined && { to }) };
  }
  return changes;
}
