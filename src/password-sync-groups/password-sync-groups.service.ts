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

/**
 * Password sync groups of one tenant at a time: every query is scoped by tenantId, so another
 * tenant's group is indistinguishable from a missing one. Writes are atomic (UnitOfWork); the
 * uniqueness rules are checked first for a helpful message and enforced by the database's
 * constraints, so two concurrent requests can never both win.
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

  get(tenantId: string, id: string): Promise<PasswordSyncGroupView> {
    return this.uow.read(async (m) => {
      const [group] = await m.query<GroupRow[]>(this.sql.byId, [tenantId, id]);
      if (!group) throw new GroupNotFoundError(id);
      return (await this.withSources(m, tenantId, [group]))[0];
    });
  }

  create(tenantId: string, input: PasswordSyncGroupInput): Promise<PasswordSyncGroupView> {
    return this.retryOnConstraint(() =>
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

  update(tenantId: string, id: string, input: PasswordSyncGroupInput): Promise<PasswordSyncGroupView> {
    return this.retryOnConstraint(() =>
      this.uow.write(async (m) => {
        const group = await m.findOneBy(PasswordSyncGroup, { tenantId, id });
        if (!group) throw new GroupNotFoundError(id);
        await this.assertFree(m, tenantId, input, id);
        group.name = input.name;
        group.nameKey = nameKeyOf(input.name);
        group.passwordPolicyId = input.passwordPolicyId;
        group.modified = nextTimestamp(group.modified);
        group.version += 1;
        await m.update(
          PasswordSyncGroup,
          { tenantId, id },
          {
            name: group.name,
            nameKey: group.nameKey,
            passwordPolicyId: group.passwordPolicyId,
            modified: group.modified,
            version: group.version,
          },
        );
        await m.delete(PasswordSyncGroupSource, { tenantId, groupId: id });
        await this.insertSources(m, group, input.sourceIds);
        return toView(group, input.sourceIds);
      }),
    );
  }

  remove(tenantId: string, id: string): Promise<void> {
    return this.uow.write(async (m) => {
      await m.delete(PasswordSyncGroupSource, { tenantId, groupId: id });
      const result = await m.delete(PasswordSyncGroup, { tenantId, id });
      if (!result.affected) throw new GroupNotFoundError(id);
    });
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

  private async insertSources(m: EntityManager, group: PasswordSyncGroup, sourceIds: string[]): Promise<void> {
    await m.insert(
      PasswordSyncGroupSource,
      sourceIds.map((sourceId, position) => ({ tenantId: group.tenantId, sourceId, groupId: group.id, position })),
    );
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
   */
  private async retryOnConstraint<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
    try {
      return await operation();
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      throw new ConcurrentConflictError();
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

export function isUniqueViolation(err: unknown): boolean {
  if (!(err instanceof QueryFailedError)) return false;
  const code = (err.driverError as { code?: string } | undefined)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
