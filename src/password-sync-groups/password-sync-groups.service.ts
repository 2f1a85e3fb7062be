import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager, Not, QueryFailedError } from 'typeorm';
import { UnitOfWork } from '../common/database/unit-of-work';
import type { Page } from '../common/pagination/paging-query';
import type { PasswordSyncGroupInput, PasswordSyncGroupView } from './dto/password-sync-group.dto';
import { GroupQueries, type GroupRow, type SourceRow } from './password-sync-group.queries';
import { PasswordSyncGroupSource } from './password-sync-group-source.entity';
import { PasswordSyncGroup } from './password-sync-group.entity';
import {
  ConcurrentConflictError,
  GroupChangedError,
  GroupNotFoundError,
  NameTakenError,
  SourceAlreadyInGroupError,
  type SourceConflict,
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

  constructor(private readonly uow: UnitOfWork) {
    this.sql = new GroupQueries(uow.dialect);
  }

  list(tenantId: string, limit: number, offset: number, withTotal: boolean): Promise<Page<PasswordSyncGroupView>> {
    return this.uow.read(async (m) => {
      const total = withTotal
        ? Number((await m.query<{ total: number | string }[]>(this.sql.count, [tenantId]))[0].total)
        : undefined;
      const groups = limit === 0 ? [] : await m.query<GroupRow[]>(this.sql.page, [tenantId, limit, offset]);
      return { items: await this.withSources(m, tenantId, groups), total };
    });
  }

  get(tenantId: string, id: string): Promise<VersionedGroup> {
    return this.uow.read(async (m) => {
      const [group] = await m.query<GroupRow[]>(this.sql.byId, [tenantId, id]);
      if (!group) throw new GroupNotFoundError(id);
      return { group: (await this.withSources(m, tenantId, [group]))[0], version: group.version };
    });
  }

  create(tenantId: string, input: PasswordSyncGroupInput): Promise<PasswordSyncGroupView> {
    return this.retryOnConflict(() =>
      this.uow.write(async (m) => {
        await this.assertFree(m, tenantId, input, undefined);
        const now = new Date().toISOString();
        const group = m.create(PasswordSyncGroup, {
          id: randomUUID(),
          tenantId,
          name: input.name,
          nameKey: nameKeyOf(input.name),
          passwordPolicyId: input.passwordPolicyId,
          created: now,
          modified: now,
          version: 1,
        });
        await m.insert(PasswordSyncGroup, group);
        await this.insertSources(m, group, input.sourceIds);
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
        await this.claim(m, 'update', tenantId, id, expectedVersions);
        // The row is ours until commit (on PostgreSQL it is locked by the claim), so this read is current.
        const group = await m.findOneByOrFail(PasswordSyncGroup, { tenantId, id });
        await this.assertFree(m, tenantId, input, id);
        group.name = input.name;
        group.nameKey = nameKeyOf(input.name);
        group.passwordPolicyId = input.passwordPolicyId;
        group.modified = nextTimestamp(group.modified);
        await m.update(
          PasswordSyncGroup,
          { tenantId, id },
          {
            name: group.name,
            nameKey: group.nameKey,
            passwordPolicyId: group.passwordPolicyId,
            modified: group.modified,
          },
        );
        await m.delete(PasswordSyncGroupSource, { tenantId, groupId: id });
        await this.insertSources(m, group, input.sourceIds);
        return { group: toView(group, input.sourceIds), version: group.version };
      }),
    );
  }

  /** Deletes a group and its memberships (its sources are free again); `expectedVersions` as in update. */
  remove(tenantId: string, id: string, expectedVersions?: readonly number[]): Promise<void> {
    return this.retryOnConflict(() =>
      this.uow.write(async (m) => {
        // The group row first (as update claims it first): one lock order, so update and delete cannot deadlock.
        await this.claim(m, 'delete', tenantId, id, expectedVersions);
        // The foreign key cascades too; deleting explicitly keeps this independent of it.
        await m.delete(PasswordSyncGroupSource, { tenantId, groupId: id });
      }),
    );
  }

  /**
   * The atomic version check, as one statement on the group row: `UPDATE … SET version =
   * version + 1` (update) or `DELETE` (delete), `WHERE tenant_id = … AND id = … [AND version
   * IN (…)]`. When it touches no row, tells why: the group does not exist (404) or its version
   * is not an expected one (412, naming the current ETag).
   */
  private async claim(
    m: EntityManager,
    action: 'update' | 'delete',
    tenantId: string,
    id: string,
    expectedVersions: readonly number[] | undefined,
  ): Promise<void> {
    if (expectedVersions === undefined || expectedVersions.length > 0) {
      const base = m.createQueryBuilder();
      const query = (
        action === 'update'
          ? base.update(PasswordSyncGroup).set({ version: () => 'version + 1' })
          : base.delete().from(PasswordSyncGroup)
      ).where('tenant_id = :tenantId AND id = :id', { tenantId, id });
      if (expectedVersions) query.andWhere('version IN (:...expectedVersions)', { expectedVersions });
      const { affected } = await query.execute();
      if (affected) return;
    }
    const current = await m.findOne(PasswordSyncGroup, {
      where: { tenantId, id },
      select: { id: true, version: true },
    });
    if (!current) throw new GroupNotFoundError(id);
    throw new GroupChangedError(id, current.version);
  }

  /** The uniqueness rules, checked for a message that names the conflict. */
  private async assertFree(
    m: EntityManager,
    tenantId: string,
    input: PasswordSyncGroupInput,
    exceptId: string | undefined,
  ): Promise<void> {
    const others = exceptId ? { id: Not(exceptId) } : {};
    const holder = await m.findOne(PasswordSyncGroup, {
      where: { tenantId, nameKey: nameKeyOf(input.name), ...others },
      select: { id: true },
    });
    if (holder) throw new NameTakenError(input.name, holder.id);

    const query = m
      .createQueryBuilder(PasswordSyncGroupSource, 's')
      .innerJoin(PasswordSyncGroup, 'g', 'g.id = s.group_id')
      .select(['s.source_id AS "sourceId"', 'g.id AS "groupId"', 'g.name AS "groupName"'])
      .where('s.tenant_id = :tenantId', { tenantId })
      .andWhere('s.source_id IN (:...sourceIds)', { sourceIds: input.sourceIds });
    if (exceptId) query.andWhere('s.group_id <> :exceptId', { exceptId });
    const taken = await query.getRawMany<SourceConflict>();
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
  private async insertSources(m: EntityManager, group: PasswordSyncGroup, sourceIds: string[]): Promise<void> {
    const rows = sourceIds.map((sourceId, position) => ({
      tenantId: group.tenantId,
      sourceId,
      groupId: group.id,
      position,
    }));
    rows.sort((a, b) => (a.sourceId < b.sourceId ? -1 : a.sourceId > b.sourceId ? 1 : 0));
    await m.insert(PasswordSyncGroupSource, rows);
  }

  private async withSources(m: EntityManager, tenantId: string, groups: GroupRow[]): Promise<PasswordSyncGroupView[]> {
    if (groups.length === 0) return [];
    const rows = await m.query<SourceRow[]>(this.sql.sourcesOf, [tenantId, this.sql.idList(groups.map((g) => g.id))]);
    const byGroup = new Map<string, string[]>(groups.map((g) => [g.id, []]));
    for (const row of rows) byGroup.get(row.groupId)?.push(row.sourceId);
    return groups.map((g) => toView(g, byGroup.get(g.id) ?? []));
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
