import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager, QueryFailedError, type QueryResult } from 'typeorm';
import { AuditTrail } from '../audit/audit-trail';
import { UnitOfWork } from '../common/database/unit-of-work';
import type { Page } from '../common/pagination/paging-query';
import type { PasswordSyncGroupInput, PasswordSyncGroupView } from './dto/password-sync-group.dto';
import {
  GroupQueries,
  type GroupRow,
  type GroupWithSourcesRow,
  type SourceHolderRow,
} from './password-sync-group.queries';
import {
  ConcurrentConflictError,
  GroupChangedError,
  GroupNotFoundError,
  NameTakenError,
  SourceAlreadyInGroupError,
} from './password-sync-groups.errors';

/**
 * Case-insensitive identity of a name, for the per-tenant unique index. It must never be
 * longer than the name (the column is as wide as the name's): U+0130 'İ' is the one character
 * whose lower case is longer ("i̇", two characters), so it is kept as it is (as Unicode's
 * simple case folding does).
 */
export const nameKeyOf = (name: string) =>
  name
    .split('\u0130')
    .map((part) => part.toLowerCase())
    .join('\u0130');

/** One millisecond past `previous`, or now if later: `modified` always advances. */
function nextTimestamp(previous: string): string {
  const now = Date.now();
  const prev = Date.parse(previous);
  return new Date(Math.max(now, prev + 1)).toISOString();
}

/** A group as sent on the wire, with the version its ETag is made of. */
export interface VersionedGroup {
  group: PasswordSyncGroupView;
  version: number;
}

/** What claiming a group for an update returns. */
type ClaimedRow = Pick<GroupRow, 'created' | 'modified' | 'version'>;

/**
 * The rows a statement returned, for statements whose plain result differs by driver
 * (`UPDATE … RETURNING` is `[rows, count]` from TypeORM's PostgreSQL runner). Writes only:
 * they run in a transaction, so the manager has its query runner.
 */
async function rowsOf<T>(m: EntityManager, sql: string, params: unknown[]): Promise<T[]> {
  const result = (await m.queryRunner!.query(sql, params, true)) as QueryResult<T>;
  return result.records;
}

/** How many times a write is run again after PostgreSQL aborted it for a deadlock or a serialization failure. */
const TRANSIENT_RETRIES = 4;

/**
 * Password sync groups of one tenant at a time: every query is scoped by tenantId, so another
 * tenant's group is indistinguishable from a missing one. Writes are atomic (UnitOfWork); the
 * uniqueness rules are checked first for a helpful message and enforced by the database's
 * constraints, so two concurrent requests can never both win.
 *
 * Optimistic concurrency: every update increments `version`. An update or delete first claims
 * the row with one conditional statement (`UPDATE … SET version = version + 1 WHERE … AND
 * version IN (:expected)`, or `DELETE … WHERE … AND version IN (:expected)`), so the version
 * check and the write are one atomic step in the database; on PostgreSQL that statement also
 * locks the row until commit, so concurrent writers of one group queue behind it and then see
 * its new version. Without expected versions (no If-Match) the claim is unconditional: last
 * write wins, as in SailPoint's API.
 */
@Injectable()
export class PasswordSyncGroupsService {
  private readonly sql: GroupQueries;

  constructor(
    private readonly uow: UnitOfWork,
    private readonly audit: AuditTrail,
  ) {
    this.sql = new GroupQueries(uow.dialect);
  }

  /** One statement per request (see GroupQueries): on PostgreSQL it is its own snapshot, no transaction needed. */
  async list(
    tenantId: string,
    limit: number,
    offset: number,
    withTotal: boolean,
  ): Promise<Page<PasswordSyncGroupView>> {
    if (!withTotal) {
      const rows =
        limit === 0 ? [] : await this.uow.query<GroupWithSourcesRow>(this.sql.page, [tenantId, limit, offset]);
      return { items: rows.map((row) => this.viewOf(row)), total: undefined };
    }
    const rows = await this.uow.query<GroupWithSourcesRow>(this.sql.pageWithTotal, [tenantId, tenantId, limit, offset]);
    // An empty page is one row with the total and no group.
    const items = rows[0].id === null ? [] : rows.map((row) => this.viewOf(row));
    return { items, total: Number(rows[0].total) };
  }

  async get(tenantId: string, id: string): Promise<VersionedGroup> {
    const [row] = await this.uow.query<GroupWithSourcesRow>(this.sql.byId, [tenantId, id]);
    if (!row) throw new GroupNotFoundError(id);
    return { group: this.viewOf(row), version: row.version };
  }

  create(tenantId: string, input: PasswordSyncGroupInput): Promise<PasswordSyncGroupView> {
    return this.retryOnConflict(() =>
      this.uow.write(async (m) => {
        await this.assertFree(m, tenantId, input, '');
        const now = new Date().toISOString();
        const group = {
          id: randomUUID(),
          name: input.name,
          passwordPolicyId: input.passwordPolicyId,
          created: now,
          modified: now,
        };
        await m.query(this.sql.insertGroup, [
          group.id,
          tenantId,
          group.name,
          nameKeyOf(group.name),
          group.passwordPolicyId,
          now,
          now,
        ]);
        await this.insertSources(m, tenantId, group.id, input.sourceIds);
        await this.audit.created(m, tenantId, group.id, input);
        return toView(group, input.sourceIds);
      }),
    );
  }

  /**
   * Replaces a group. `expectedVersions`: the versions If-Match names (undefined: no
   * condition); when the stored version is none of them, nothing is written and the error
   * names the current version.
   */
  update(
    tenantId: string,
    id: string,
    input: PasswordSyncGroupInput,
    expectedVersions?: readonly number[],
  ): Promise<VersionedGroup> {
    return this.retryOnConflict(() =>
      this.uow.write(async (m) => {
        // The row is ours until commit (on PostgreSQL the claim locks it), so what it returns is current.
        const claimed = await this.claim<ClaimedRow>(m, 'update', tenantId, id, expectedVersions);
        await this.assertFree(m, tenantId, input, id);
        await this.audit.updating(m, tenantId, id, input);
        const group = {
          id,
          name: input.name,
          passwordPolicyId: input.passwordPolicyId,
          created: claimed.created,
          modified: nextTimestamp(claimed.modified),
        };
        await m.query(this.sql.updateGroup, [
          group.name,
          nameKeyOf(group.name),
          group.passwordPolicyId,
          group.modified,
          tenantId,
          id,
        ]);
        await m.query(this.sql.deleteSources, [tenantId, id]);
        await this.insertSources(m, tenantId, id, input.sourceIds);
        return { group: toView(group, input.sourceIds), version: claimed.version };
      }),
    );
  }

  /** Deletes a group and its memberships (its sources are free again); `expectedVersions` as in update. */
  remove(tenantId: string, id: string, expectedVersions?: readonly number[]): Promise<void> {
    return this.retryOnConflict(() =>
      this.uow.write(async (m) => {
        await this.audit.deleting(m, tenantId, id);
        // The group row first (as update claims it first): one lock order, so update and delete cannot deadlock.
        await this.claim(m, 'delete', tenantId, id, expectedVersions);
        // The foreign key cascades too; deleting explicitly keeps this independent of it.
        await m.query(this.sql.deleteSources, [tenantId, id]);
      }),
    );
  }

  /**
   * The atomic version check, as one statement on the group row: `UPDATE … SET version =
   * version + 1 … RETURNING` (update) or `DELETE … RETURNING` (delete), `WHERE tenant_id = …
   * AND id = … [AND version IN (…)]`. Returns the claimed row; when it touches no row, tells
   * why: the group does not exist (404) or its version is not an expected one (412, naming the
   * current ETag).
   */
  private async claim<T>(
    m: EntityManager,
    action: 'update' | 'delete',
    tenantId: string,
    id: string,
    expectedVersions: readonly number[] | undefined,
  ): Promise<T> {
    if (expectedVersions === undefined || expectedVersions.length > 0) {
      const sql = this.sql;
      const [claimed] = expectedVersions
        ? await rowsOf<T>(m, action === 'update' ? sql.claimForUpdateIf : sql.claimForDeleteIf, [
            tenantId,
            id,
            sql.listParam(expectedVersions),
          ])
        : await rowsOf<T>(m, action === 'update' ? sql.claimForUpdate : sql.claimForDelete, [tenantId, id]);
      if (claimed) return claimed;
    }
    const [current] = await m.query<{ version: number }[]>(this.sql.versionOf, [tenantId, id]);
    if (!current) throw new GroupNotFoundError(id);
    throw new GroupChangedError(id, current.version);
  }

  /** The uniqueness rules, checked for a message that names the conflict (`exceptId` '' excepts no group). */
  private async assertFree(
    m: EntityManager,
    tenantId: string,
    input: PasswordSyncGroupInput,
    exceptId: string,
  ): Promise<void> {
    const [holder] = await m.query<{ id: string }[]>(this.sql.nameHolder, [tenantId, nameKeyOf(input.name), exceptId]);
    if (holder) throw new NameTakenError(input.name, holder.id);

    const taken = await m.query<SourceHolderRow[]>(this.sql.sourceHolders, [
      tenantId,
      this.sql.listParam(input.sourceIds),
      exceptId,
    ]);
    if (taken.length > 0) {
      const order = new Map(input.sourceIds.map((s, i) => [s, i]));
      taken.sort((a, b) => order.get(a.sourceId)! - order.get(b.sourceId)!);
      throw new SourceAlreadyInGroupError(taken);
    }
  }

  /**
   * Rows go in in source-id order (`position` keeps the client's order): concurrent writers
   * claiming overlapping sources then take the index entries in one order and wait for each
   * other instead of deadlocking.
   */
  private async insertSources(m: EntityManager, tenantId: string, groupId: string, sourceIds: string[]): Promise<void> {
    const ordered = sourceIds.map((sourceId, position) => ({ sourceId, position }));
    ordered.sort((a, b) => (a.sourceId < b.sourceId ? -1 : a.sourceId > b.sourceId ? 1 : 0));
    const params: unknown[] = [];
    for (const row of ordered) params.push(tenantId, row.sourceId, groupId, row.position);
    await m.query(this.sql.insertSources(ordered.length), params);
  }

  private viewOf(row: GroupWithSourcesRow): PasswordSyncGroupView {
    return toView(row, this.sql.sourceIdsOf(row));
  }

  /**
   * A unique-constraint violation means a concurrent request won a race the pre-check could
   * not see (it had not committed yet). Running the operation once more lets the pre-check
   * see the winner and report it by name; if it still collides, report it generically.
   * PostgreSQL may also abort one of two transactions that wait for each other (deadlock) or
   * cannot be serialized; nothing of it was written, so it is run again, a bounded number of times.
   */
  private async retryOnConflict<T>(operation: () => Promise<T>): Promise<T> {
    let uniqueRetried = false;
    for (let transientRetries = 0; ;) {
      try {
        return await operation();
      } catch (err) {
        if (isUniqueViolation(err)) {
          if (uniqueRetried) throw new ConcurrentConflictError();
          uniqueRetried = true;
        } else if (!isTransientConflict(err) || ++transientRetries > TRANSIENT_RETRIES) {
          throw err;
        }
      }
    }
  }
}

function toView(group: Omit<GroupRow, 'version'>, sourceIds: string[]): PasswordSyncGroupView {
  return {
    id: group.id,
    name: group.name,
    passwordPolicyId: group.passwordPolicyId,
    sourceIds,
    created: group.created,
    modified: group.modified,
  };
}

/** PostgreSQL's deadlock_detected and serialization_failure: the transaction was rolled back and may simply be run again. */
export function isTransientConflict(err: unknown): boolean {
  if (!(err instanceof QueryFailedError)) return false;
  const code = (err.driverError as { code?: string } | undefined)?.code;
  return code === '40P01' || code === '40001';
}

export function isUniqueViolation(err: unknown): boolean {
  if (!(err instanceof QueryFailedError)) return false;
  const code = (err.driverError as { code?: string } | undefined)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
