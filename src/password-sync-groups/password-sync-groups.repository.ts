import { Injectable } from '@nestjs/common';
import { EntityManager, QueryFailedError, type QueryResult } from 'typeorm';
import { UnitOfWork, type Transaction } from '../common/database/unit-of-work';
import type { Page } from '../common/pagination/paging-query';
import type { PasswordSyncGroupView } from './dto/password-sync-group.dto';
import {
  GroupQueries,
  type GroupRow,
  type GroupWithSourcesRow,
  type SourceHolderRow,
} from './password-sync-group.queries';
import { TransientWriteConflict, UniqueConstraintConflict, type SourceConflict } from './password-sync-groups.errors';

/**
 * Case-insensitive identity of a name, stored as `name_key` for the per-tenant unique index. It
 * must never be longer than the name (the column is as wide as the name's): U+0130 'İ' is the
 * one character whose lower case is longer ("i̇", two characters), so it is kept as it is (as
 * Unicode's simple case folding does).
 */
export const nameKeyOf = (name: string) =>
  name
    .split('\u0130')
    .map((part) => part.toLowerCase())
    .join('\u0130');

/** A group as sent on the wire, with the version its ETag is made of. */
export interface VersionedGroup {
  group: PasswordSyncGroupView;
  version: number;
}

/** One group of one tenant. */
export interface GroupKey {
  tenantId: string;
  id: string;
}

/** A claim on a group row; `versions`: claim it only if its version is one of these (If-Match). */
export interface GroupClaim extends GroupKey {
  versions?: readonly number[];
}

/** What claiming a group for an update returns: the stored row as it was, with its new version. */
export type ClaimedGroup = Pick<GroupRow, 'created' | 'modified' | 'version'>;

/** A group as a write stores it (`name_key`, the version and the source positions are the repository's). */
export interface GroupRecord extends GroupKey {
  name: string;
  passwordPolicyId: string;
  sourceIds: string[];
  created: string;
  modified: string;
}

/**
 * The statements of one write transaction (see `PasswordSyncGroupsRepository.write`). Every
 * argument is named: nothing positional leaves the repository.
 */
export interface GroupWrites {
  /** The id of another group of the tenant holding this name (ignoring case), if any; `exceptId`: the group being written. */
  nameHolder(args: { tenantId: string; name: string; exceptId?: string }): Promise<string | undefined>;
  /** The sources of `sourceIds` that another group holds, in the order of `sourceIds`. */
  sourceHolders(args: { tenantId: string; sourceIds: readonly string[]; exceptId?: string }): Promise<SourceConflict[]>;
  /** A new group at version 1, with its sources; returns it as the API shows it. */
  insert(group: GroupRecord): Promise<PasswordSyncGroupView>;
  /** Overwrites a claimed group's fields and replaces its sources; returns it as the API shows it. */
  replace(group: GroupRecord): Promise<PasswordSyncGroupView>;
  /** Bumps the version of the claimed row (and locks it on PostgreSQL); undefined when no row matched. */
  claimForUpdate(claim: GroupClaim): Promise<ClaimedGroup | undefined>;
  /** Deletes the claimed group row; false when no row matched. */
  claimForDelete(claim: GroupClaim): Promise<boolean>;
  /** The stored version of a group (why a claim touched nothing), undefined when there is none. */
  versionOf(key: GroupKey): Promise<number | undefined>;
  /** Deletes a group's memberships (the foreign key cascades too; explicit keeps this independent of it). */
  deleteSources(key: GroupKey): Promise<void>;
  /**
   * The stored fields of a group as this transaction sees them (for the audit trail's "from");
   * `lock`: lock the row first on PostgreSQL, as a claim would (one lock order for every write).
   */
  current(key: GroupKey & { lock?: boolean }): Promise<GroupFields | undefined>;
}

/** The fields a client sets. */
export type GroupFields = Pick<GroupRecord, 'name' | 'passwordPolicyId' | 'sourceIds'>;

/**
 * The data of password sync groups: every statement, per dialect (`GroupQueries`), with named
 * arguments in and API views out, run through the shared UnitOfWork. Driver errors a write can
 * meet under concurrency become this feature's conflicts (`UniqueConstraintConflict`,
 * `TransientWriteConflict`); what they mean for the request is the service's decision.
 *
 * Plain SQL rather than TypeORM's query builder: it rebuilt the same SQL and hydrated entities
 * on every request (docs/performance.md). TypeORM still owns the schema, connections and
 * transactions.
 */
@Injectable()
export class PasswordSyncGroupsRepository {
  private readonly sql: GroupQueries;

  constructor(private readonly uow: UnitOfWork) {
    this.sql = new GroupQueries(uow.dialect);
  }

  /**
   * A page of a tenant's groups, in list order; `total` only `withTotal`. One statement, so on
   * PostgreSQL it is its own snapshot (no transaction needed) and the count matches the page.
   */
  async page(args: {
    tenantId: string;
    limit: number;
    offset: number;
    withTotal: boolean;
  }): Promise<Page<PasswordSyncGroupView>> {
    const { tenantId, limit, offset } = args;
    if (!args.withTotal) {
      const rows =
        limit === 0 ? [] : await this.uow.query<GroupWithSourcesRow>(this.sql.page, [tenantId, limit, offset]);
      return { items: rows.map((row) => this.viewOf(row)), total: undefined };
    }
    const rows = await this.uow.query<GroupWithSourcesRow>(this.sql.pageWithTotal, [tenantId, tenantId, limit, offset]);
    // An empty page is one row with the total and no group.
    const items = rows[0].id === null ? [] : rows.map((row) => this.viewOf(row));
    return { items, total: Number(rows[0].total) };
  }

  async findById({ tenantId, id }: GroupKey): Promise<VersionedGroup | undefined> {
    const [row] = await this.uow.query<GroupWithSourcesRow>(this.sql.byId, [tenantId, id]);
    return row && { group: this.viewOf(row), version: row.version };
  }

  /**
   * Runs `work` in one write transaction (UnitOfWork.write). A unique-constraint violation
   * becomes `UniqueConstraintConflict`; PostgreSQL's deadlock or serialization abort becomes
   * `TransientWriteConflict` (the transaction was rolled back, so it may simply run again).
   */
  async write<T>(work: (writes: GroupWrites, tx: Transaction) => Promise<T>): Promise<T> {
    try {
      return await this.uow.write((tx) => work(this.writesOn(tx), tx));
    } catch (err) {
      if (isUniqueViolation(err)) throw new UniqueConstraintConflict(err);
      if (isTransientConflict(err)) throw new TransientWriteConflict(err);
      throw err;
    }
  }

  private writesOn(m: EntityManager): GroupWrites {
    const sql = this.sql;
    // Ids are UUIDs, never '': "except none" is the empty string in the statements' text.
    const none = '';
    // Rows go in in source-id order (`position` keeps the client's order): concurrent writers
    // claiming overlapping sources then take the index entries in one order and wait for each
    // other instead of deadlocking.
    const insertSources = async ({ tenantId, id, sourceIds }: GroupRecord) => {
      const ordered = sourceIds.map((sourceId, position) => ({ sourceId, position }));
      ordered.sort((a, b) => (a.sourceId < b.sourceId ? -1 : a.sourceId > b.sourceId ? 1 : 0));
      const params: unknown[] = [];
      for (const row of ordered) params.push(tenantId, row.sourceId, id, row.position);
      await m.query(sql.insertSources(ordered.length), params);
    };
    return {
      nameHolder: async ({ tenantId, name, exceptId = none }) => {
        const [holder] = await m.query<{ id: string }[]>(sql.nameHolder, [tenantId, nameKeyOf(name), exceptId]);
        return holder?.id;
      },
      sourceHolders: async ({ tenantId, sourceIds, exceptId = none }) => {
        const taken = await m.query<SourceHolderRow[]>(sql.sourceHolders, [
          tenantId,
          sql.listParam(sourceIds),
          exceptId,
        ]);
        const order = new Map(sourceIds.map((s, i) => [s, i]));
        return taken.sort((a, b) => order.get(a.sourceId)! - order.get(b.sourceId)!);
      },
      insert: async (group) => {
        const { tenantId, id, name, passwordPolicyId, created, modified } = group;
        await m.query(sql.insertGroup, [id, tenantId, name, nameKeyOf(name), passwordPolicyId, created, modified]);
        await insertSources(group);
        return viewOf(group, group.sourceIds);
      },
      replace: async (group) => {
        const { tenantId, id, name, passwordPolicyId, modified } = group;
        await m.query(sql.updateGroup, [name, nameKeyOf(name), passwordPolicyId, modified, tenantId, id]);
        await m.query(sql.deleteSources, [tenantId, id]);
        await insertSources(group);
        return viewOf(group, group.sourceIds);
      },
      claimForUpdate: async ({ tenantId, id, versions }) => {
        const [claimed] = versions
          ? await rowsOf<ClaimedGroup>(m, sql.claimForUpdateIf, [tenantId, id, sql.listParam(versions)])
          : await rowsOf<ClaimedGroup>(m, sql.claimForUpdate, [tenantId, id]);
        return claimed;
      },
      claimForDelete: async ({ tenantId, id, versions }) => {
        const deleted = versions
          ? await rowsOf(m, sql.claimForDeleteIf, [tenantId, id, sql.listParam(versions)])
          : await rowsOf(m, sql.claimForDelete, [tenantId, id]);
        return deleted.length > 0;
      },
      versionOf: async ({ tenantId, id }) => {
        const [current] = await m.query<{ version: number }[]>(sql.versionOf, [tenantId, id]);
        return current?.version;
      },
      deleteSources: async ({ tenantId, id }) => {
        await m.query(sql.deleteSources, [tenantId, id]);
      },
      current: async ({ tenantId, id, lock }) => {
        // Locked by one statement, read by the next: on PostgreSQL the read's snapshot then
        // includes whatever a writer that held the lock committed, sources and all.
        if (lock && sql.lockGroup) await m.query(sql.lockGroup, [tenantId, id]);
        const [row] = await m.query<GroupWithSourcesRow[]>(sql.byId, [tenantId, id]);
        return row && { name: row.name, passwordPolicyId: row.passwordPolicyId, sourceIds: sql.sourceIdsOf(row) };
      },
    };
  }

  private viewOf(row: GroupWithSourcesRow): PasswordSyncGroupView {
    return viewOf(row, this.sql.sourceIdsOf(row));
  }
}

function viewOf(group: Omit<GroupRow, 'version'>, sourceIds: string[]): PasswordSyncGroupView {
  return {
    id: group.id,
    name: group.name,
    passwordPolicyId: group.passwordPolicyId,
    sourceIds,
    created: group.created,
    modified: group.modified,
  };
}

/**
 * The rows a statement returned, for statements whose plain result differs by driver
 * (`UPDATE … RETURNING` is `[rows, count]` from TypeORM's PostgreSQL runner). Writes only:
 * they run in a transaction, so the manager has its query runner.
 */
async function rowsOf<T>(m: EntityManager, sql: string, params: unknown[]): Promise<T[]> {
  const result = (await m.queryRunner!.query(sql, params, true)) as QueryResult<T>;
  return result.records;
}

const driverCodeOf = (err: unknown) =>
  err instanceof QueryFailedError ? (err.driverError as { code?: string } | undefined)?.code : undefined;

/** PostgreSQL's deadlock_detected and serialization_failure: the transaction was rolled back. */
function isTransientConflict(err: unknown): boolean {
  const code = driverCodeOf(err);
  return code === '40P01' || code === '40001';
}

function isUniqueViolation(err: unknown): boolean {
  const code = driverCodeOf(err);
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
