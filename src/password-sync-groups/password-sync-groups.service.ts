import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AuditTrail, changesOf, type AuditAction } from '../audit/audit-trail';
import type { Actor } from '../common/auth/principal.decorator';
import type { Transaction } from '../common/database/unit-of-work';
import type { Page } from '../common/pagination/paging-query';
import type { PasswordSyncGroupInput, PasswordSyncGroupView } from './dto/password-sync-group.dto';
import {
  ConcurrentConflictError,
  GroupChangedError,
  GroupNotFoundError,
  NameTakenError,
  SourceAlreadyInGroupError,
  TransientWriteConflict,
  UniqueConstraintConflict,
} from './password-sync-groups.errors';
import {
  PasswordSyncGroupsRepository,
  type ClaimedGroup,
  type GroupClaim,
  type GroupFields,
  type GroupWrites,
  type VersionedGroup,
} from './password-sync-groups.repository';

/** One millisecond past `previous`, or now if later: `modified` always advances. */
function nextTimestamp(previous: string): string {
  const now = Date.now();
  const prev = Date.parse(previous);
  return new Date(Math.max(now, prev + 1)).toISOString();
}

/** How many times a write is run again after PostgreSQL aborted it for a deadlock or a serialization failure. */
const TRANSIENT_RETRIES = 4;

/**
 * The rules of password sync groups, one tenant at a time (every repository call is scoped by
 * tenantId, so another tenant's group is indistinguishable from a missing one). Each write is
 * one transaction (PasswordSyncGroupsRepository.write); the uniqueness rules are checked first
 * for a message that names the conflict, and enforced by the database's constraints, so two
 * concurrent requests can never both win.
 *
 * Optimistic concurrency: every update increments `version`. An update or delete first claims
 * the row with one conditional statement (the version check and the write are one atomic step
 * in the database; on PostgreSQL the row stays locked until commit, so concurrent writers of one
 * group queue behind it and then see its new version). Without expected versions (no If-Match)
 * the claim is unconditional: last write wins, as in SailPoint's API.
 */
@Injectable()
export class PasswordSyncGroupsService {
  constructor(
    private readonly groups: PasswordSyncGroupsRepository,
    private readonly audit: AuditTrail,
  ) {}

  list(tenantId: string, limit: number, offset: number, withTotal: boolean): Promise<Page<PasswordSyncGroupView>> {
    return this.groups.page({ tenantId, limit, offset, withTotal });
  }

  async get(tenantId: string, id: string): Promise<VersionedGroup> {
    const found = await this.groups.findById({ tenantId, id });
    if (!found) throw new GroupNotFoundError(id);
    return found;
  }

  create(actor: Actor, input: PasswordSyncGroupInput): Promise<PasswordSyncGroupView> {
    const { tenantId } = actor;
    return this.retryOnConflict(() =>
      this.groups.write(async (writes, tx) => {
        await this.assertFree(writes, tenantId, input);
        const now = new Date().toISOString();
        const group = await writes.insert({
          tenantId,
          id: randomUUID(),
          ...fieldsOf(input),
          created: now,
          modified: now,
        });
        await this.audited(tx, actor, 'create', group.id, undefined, fieldsOf(input));
        return group;
      }),
    );
  }

  /**
   * Replaces a group. `expectedVersions`: the versions If-Match names (undefined: no
   * condition); when the stored version is none of them, nothing is written and the error
   * names the current version.
   */
  update(
    actor: Actor,
    id: string,
    input: PasswordSyncGroupInput,
    expectedVersions?: readonly number[],
  ): Promise<VersionedGroup> {
    const { tenantId } = actor;
    return this.retryOnConflict(() =>
      this.groups.write(async (writes, tx) => {
        // The row is ours until commit (on PostgreSQL the claim locks it), so what it returns is current.
        const claimed = await this.claim(writes, 'update', { tenantId, id, versions: expectedVersions });
        await this.assertFree(writes, tenantId, input, id);
        await this.audited(tx, actor, 'update', id, await writes.current({ tenantId, id }), fieldsOf(input));
        const group = await writes.replace({
          tenantId,
          id,
          ...fieldsOf(input),
          created: claimed.created,
          modified: nextTimestamp(claimed.modified),
        });
        return { group, version: claimed.version };
      }),
    );
  }

  /** Deletes a group and its memberships (its sources are free again); `expectedVersions` as in update. */
  remove(actor: Actor, id: string, expectedVersions?: readonly number[]): Promise<void> {
    const { tenantId } = actor;
    return this.retryOnConflict(() =>
      this.groups.write(async (writes, tx) => {
        // The group row first (as update claims it first): one lock order, so update and delete cannot deadlock.
        const before = await writes.current({ tenantId, id, lock: true });
        await this.claim(writes, 'delete', { tenantId, id, versions: expectedVersions });
        await writes.deleteSources({ tenantId, id });
        await this.audited(tx, actor, 'delete', id, before, undefined);
      }),
    );
  }

  /**
   * The atomic version check: claims the group row (bumping its version, or deleting it). When
   * no row is claimed, tells why: the group does not exist (404) or its version is not an
   * expected one (412, naming the current ETag). No expected version at all (If-Match listed
   * only weak or foreign tags) claims nothing.
   */
  private async claim(writes: GroupWrites, action: 'update', claim: GroupClaim): Promise<ClaimedGroup>;
  private async claim(writes: GroupWrites, action: 'delete', claim: GroupClaim): Promise<void>;
  private async claim(
    writes: GroupWrites,
    action: 'update' | 'delete',
    claim: GroupClaim,
  ): Promise<ClaimedGroup | void> {
    if (claim.versions === undefined || claim.versions.length > 0) {
      if (action === 'update') {
        const claimed = await writes.claimForUpdate(claim);
        if (claimed) return claimed;
      } else if (await writes.claimForDelete(claim)) {
        return;
      }
    }
    const current = await writes.versionOf(claim);
    if (current === undefined) throw new GroupNotFoundError(claim.id);
    throw new GroupChangedError(claim.id, current);
  }

  /** The uniqueness rules, checked for a message that names the conflict (`exceptId`: the group being replaced). */
  private async assertFree(
    writes: GroupWrites,
    tenantId: string,
    input: PasswordSyncGroupInput,
    exceptId?: string,
  ): Promise<void> {
    const holder = await writes.nameHolder({ tenantId, name: input.name, exceptId });
    if (holder !== undefined) throw new NameTakenError(input.name, holder);
    const taken = await writes.sourceHolders({ tenantId, sourceIds: input.sourceIds, exceptId });
    if (taken.length > 0) throw new SourceAlreadyInGroupError(taken);
  }

  /** One audit event, in the write's own transaction (docs/operations.md, "Audit trail"). */
  private audited(
    tx: Transaction,
    actor: Actor,
    action: AuditAction,
    id: string,
    before: GroupFields | undefined,
    after: GroupFields | undefined,
  ): Promise<void> {
    const changes = changesOf(before, after);
    return this.audit.record(tx, { actor, action, resourceType: 'password-sync-group', resourceId: id, changes });
  }

  /**
   * A unique-constraint conflict means a concurrent request won a race the pre-check could not
   * see (it had not committed yet). Running the operation once more lets the pre-check see the
   * winner and report it by name; if it still collides, report it generically. PostgreSQL may
   * also abort one of two transactions that wait for each other (deadlock) or cannot be
   * serialized; nothing of it was written, so it is run again, a bounded number of times.
   */
  private async retryOnConflict<T>(operation: () => Promise<T>): Promise<T> {
    let uniqueRetried = false;
    for (let transientRetries = 0; ;) {
      try {
        return await operation();
      } catch (err) {
        if (err instanceof UniqueConstraintConflict) {
          if (uniqueRetried) throw new ConcurrentConflictError();
          uniqueRetried = true;
        } else if (!(err instanceof TransientWriteConflict) || ++transientRetries > TRANSIENT_RETRIES) {
          throw err;
        }
      }
    }
  }
}

/** The fields a client sets (the DTO may carry more, such as `id`). */
const fieldsOf = (input: PasswordSyncGroupInput): GroupFields => ({
  name: input.name,
  passwordPolicyId: input.passwordPolicyId,
  sourceIds: input.sourceIds,
});
