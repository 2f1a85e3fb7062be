import type { PasswordSyncGroupView } from './dto/password-sync-group.dto';
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
  nameKeyOf,
  type GroupRecord,
  type GroupWrites,
  type PasswordSyncGroupsRepository,
} from './password-sync-groups.repository';
import { PasswordSyncGroupsService } from './password-sync-groups.service';
import type { AuditedChange, AuditTrail } from '../audit/audit-trail';
import type { Transaction } from '../common/database/unit-of-work';
import type { Actor } from '../common/auth/principal.decorator';

/**
 * The service's rules without a database: an in-memory repository whose write transactions
 * can be made to fail the way the real one reports driver errors, before the work runs (the
 * database rolled the transaction back, so nothing of it stays).
 */
class FakeRepository {
  readonly rows = new Map<string, GroupRecord & { version: number }>();
  /** What the next write attempts fail with, one per attempt. */
  readonly failures: Error[] = [];
  /** Runs before each attempt: a concurrent writer committing between two attempts. */
  beforeAttempt: () => void = () => undefined;
  attempts = 0;
  readonly calls: string[] = [];

  page = jest.fn();
  findById = jest.fn();

  async write<T>(work: (writes: GroupWrites) => Promise<T>): Promise<T> {
    this.attempts++;
    this.beforeAttempt();
    const failure = this.failures.shift();
    if (failure) throw failure;
    return work(this.writes());
  }

  add(group: Omit<GroupRecord, 'created' | 'modified'>, version = 1): void {
    const at = '2026-11-21T04:00:00.000Z';
    this.rows.set(group.id, { ...group, created: at, modified: at, version });
  }

  private writes(): GroupWrites {
    const others = (tenantId: string, exceptId?: string) =>
      [...this.rows.values()].filter((g) => g.tenantId === tenantId && g.id !== exceptId);
    const view = (g: GroupRecord): PasswordSyncGroupView => ({
      id: g.id,
      name: g.name,
      passwordPolicyId: g.passwordPolicyId,
      sourceIds: g.sourceIds,
      created: g.created,
      modified: g.modified,
    });
    const matching = ({ tenantId, id, versions }: { tenantId: string; id: string; versions?: readonly number[] }) => {
      const row = this.rows.get(id);
      return row && row.tenantId === tenantId && (!versions || versions.includes(row.version)) ? row : undefined;
    };
    return {
      nameHolder: async ({ tenantId, name, exceptId }) =>
        others(tenantId, exceptId).find((g) => nameKeyOf(g.name) === nameKeyOf(name))?.id,
      sourceHolders: async ({ tenantId, sourceIds, exceptId }) =>
        sourceIds.flatMap((sourceId) =>
          others(tenantId, exceptId)
            .filter((g) => g.sourceIds.includes(sourceId))
            .map((g) => ({ sourceId, groupId: g.id, groupName: g.name })),
        ),
      insert: async (group) => {
        this.calls.push(`insert ${group.name}`);
        this.rows.set(group.id, { ...group, version: 1 });
        return view(group);
      },
      replace: async (group) => {
        this.calls.push(`replace ${group.id}`);
        this.rows.set(group.id, { ...group, version: this.rows.get(group.id)!.version });
        return view(group);
      },
      claimForUpdate: async (claim) => {
        this.calls.push(`claimForUpdate ${claim.versions ? claim.versions.join(',') : 'any'}`);
        const row = matching(claim);
        if (!row) return undefined;
        row.version++;
        return { created: row.created, modified: row.modified, version: row.version };
      },
      claimForDelete: async (claim) => {
        this.calls.push(`claimForDelete ${claim.versions ? claim.versions.join(',') : 'any'}`);
        return !!matching(claim) && this.rows.delete(claim.id);
      },
      versionOf: async ({ tenantId, id }) => {
        const row = this.rows.get(id);
        return row?.tenantId === tenantId ? row.version : undefined;
      },
      deleteSources: async () => undefined,
      current: async ({ tenantId, id }) => {
        const row = this.rows.get(id);
        return row?.tenantId === tenantId
          ? { name: row.name, passwordPolicyId: row.passwordPolicyId, sourceIds: row.sourceIds }
          : undefined;
      },
    };
  }
}

/** The audit trail's side of the service: the events recorded (the real one stores them in the write's transaction). */
class FakeAudit {
  readonly events: AuditedChange[] = [];
  record = async (_tx: Transaction, change: AuditedChange) => {
    this.events.push(change);
  };
}

const ID = '6881f631-3bd5-4213-9c75-8e05cc3e35dd';
const actorOf = (tenantId: string): Actor => ({
  tenantId,
  identityId: 'user-1',
  clientId: 'cli',
  trackingId: 'a'.repeat(32),
});
const INPUT = { name: 'Group', passwordPolicyId: 'p', sourceIds: ['s1', 's2'] };
const unique = () => new UniqueConstraintConflict(new Error('UNIQUE constraint failed'));
const transient = () => new TransientWriteConflict(new Error('deadlock detected'));

describe('PasswordSyncGroupsService', () => {
  let repo: FakeRepository;
  let audit: FakeAudit;
  let service: PasswordSyncGroupsService;
  beforeEach(() => {
    repo = new FakeRepository();
    audit = new FakeAudit();
    service = new PasswordSyncGroupsService(
      repo as unknown as PasswordSyncGroupsRepository,
      audit as unknown as AuditTrail,
    );
  });

  describe('the audit trail', () => {
    it('records what each write changed: a create its values, an update the fields that differ, a delete what was', async () => {
      const created = await service.create(actorOf('acme'), INPUT);
      await service.update(actorOf('acme'), created.id, { ...INPUT, name: 'Renamed' });
      await service.remove(actorOf('acme'), created.id);
      const group = { actor: actorOf('acme'), resourceType: 'password-sync-group', resourceId: created.id };
      expect(audit.events).toEqual([
        {
          ...group,
          action: 'create',
          changes: { name: { to: 'Group' }, passwordPolicyId: { to: 'p' }, sourceIds: { to: ['s1', 's2'] } },
        },
        { ...group, action: 'update', changes: { name: { from: 'Group', to: 'Renamed' } } },
        {
          ...group,
          action: 'delete',
          changes: { name: { from: 'Renamed' }, passwordPolicyId: { from: 'p' }, sourceIds: { from: ['s1', 's2'] } },
        },
      ]);
    });

    it('records nothing for a write that is refused', async () => {
      repo.add({ tenantId: 'acme', id: ID, ...INPUT }, 3);
      await expect(service.update(actorOf('acme'), ID, INPUT, [2])).rejects.toEqual(new GroupChangedError(ID, 3));
      await expect(service.remove(actorOf('acme'), ID, [2])).rejects.toEqual(new GroupChangedError(ID, 3));
      await expect(service.remove(actorOf('other-tenant'), ID)).rejects.toEqual(new GroupNotFoundError(ID));
      await expect(service.create(actorOf('acme'), { ...INPUT, name: 'GROUP' })).rejects.toEqual(
        new NameTakenError('GROUP', ID),
      );
      expect(audit.events).toEqual([]);
    });
  });

  describe('a unique-constraint conflict (a concurrent request won a race the pre-check could not see)', () => {
    it('runs the write once more, so the pre-check names the winner', async () => {
      repo.failures.push(unique());
      repo.beforeAttempt = () => {
        if (repo.attempts === 2)
          repo.add({ tenantId: 'acme', id: 'winner', name: 'GROUP', passwordPolicyId: 'p', sourceIds: ['x'] });
      };
      await expect(service.create(actorOf('acme'), INPUT)).rejects.toEqual(new NameTakenError('Group', 'winner'));
      expect(repo.attempts).toBe(2);
      expect(repo.calls).toEqual([]);
    });

    it('runs it once more and succeeds when the retry finds the way free', async () => {
      repo.failures.push(unique());
      const created = await service.create(actorOf('acme'), INPUT);
      expect(created).toMatchObject(INPUT);
      expect(repo.attempts).toBe(2);
      expect(repo.calls).toEqual(['insert Group']);
    });

    it('a second one is ConcurrentConflictError, with no third attempt', async () => {
      repo.failures.push(unique(), unique(), unique());
      await expect(service.create(actorOf('acme'), INPUT)).rejects.toBeInstanceOf(ConcurrentConflictError);
      expect(repo.attempts).toBe(2);
    });

    it('the same holds for update and delete', async () => {
      repo.add({ tenantId: 'acme', id: ID, ...INPUT });
      repo.failures.push(unique(), unique());
      await expect(service.update(actorOf('acme'), ID, INPUT)).rejects.toBeInstanceOf(ConcurrentConflictError);
      repo.failures.push(unique(), unique());
      await expect(service.remove(actorOf('acme'), ID)).rejects.toBeInstanceOf(ConcurrentConflictError);
      expect(repo.attempts).toBe(4);
    });
  });

  describe('a deadlock or serialization failure (the transaction was rolled back)', () => {
    it('is run again up to 4 times: the fifth attempt may still succeed', async () => {
      repo.failures.push(transient(), transient(), transient(), transient());
      await expect(service.create(actorOf('acme'), INPUT)).resolves.toMatchObject(INPUT);
      expect(repo.attempts).toBe(5);
    });

    it('a fifth failure is passed on as it is (a 500), with no sixth attempt', async () => {
      const last = transient();
      repo.failures.push(transient(), transient(), transient(), transient(), last, transient());
      await expect(service.create(actorOf('acme'), INPUT)).rejects.toBe(last);
      expect(repo.attempts).toBe(5);
    });

    it('does not spend the one unique-conflict retry', async () => {
      repo.failures.push(transient(), unique(), transient(), transient());
      await expect(service.create(actorOf('acme'), INPUT)).resolves.toMatchObject(INPUT);
      expect(repo.attempts).toBe(5);
    });
  });

  it('any other error is not retried', async () => {
    const other = new Error('disk I/O error');
    repo.failures.push(other);
    await expect(service.create(actorOf('acme'), INPUT)).rejects.toBe(other);
    expect(repo.attempts).toBe(1);
  });

  describe('claims (If-Match): 404 for a missing group whatever If-Match says, 412 naming the current ETag', () => {
    beforeEach(() => repo.add({ tenantId: 'acme', id: ID, ...INPUT }, 3));

    it('without If-Match the claim is unconditional: the update succeeds at the next version', async () => {
      const { group, version } = await service.update(actorOf('acme'), ID, { ...INPUT, name: 'Renamed' });
      expect({ name: group.name, version }).toEqual({ name: 'Renamed', version: 4 });
      expect(repo.calls).toEqual(['claimForUpdate any', `replace ${ID}`]);
    });

    it('a matching version updates; a stale one is 412 with the current version and writes nothing', async () => {
      await expect(service.update(actorOf('acme'), ID, INPUT, [2])).rejects.toEqual(new GroupChangedError(ID, 3));
      await expect(service.remove(actorOf('acme'), ID, [1, 2])).rejects.toEqual(new GroupChangedError(ID, 3));
      expect(repo.calls).toEqual(['claimForUpdate 2', 'claimForDelete 1,2']);
      await expect(service.update(actorOf('acme'), ID, INPUT, [2, 3])).resolves.toMatchObject({ version: 4 });
    });

    it('no usable version at all (only weak tags) claims nothing and is 412', async () => {
      await expect(service.update(actorOf('acme'), ID, INPUT, [])).rejects.toEqual(new GroupChangedError(ID, 3));
      await expect(service.remove(actorOf('acme'), ID, [])).rejects.toEqual(new GroupChangedError(ID, 3));
      expect(repo.calls).toEqual([]);
    });

    it("a missing group, or another tenant's, is 404 with or without If-Match", async () => {
      for (const versions of [undefined, [3], []]) {
        await expect(service.update(actorOf('other'), ID, INPUT, versions)).rejects.toEqual(new GroupNotFoundError(ID));
        await expect(service.remove(actorOf('acme'), 'missing', versions)).rejects.toEqual(
          new GroupNotFoundError('missing'),
        );
      }
      expect(repo.rows.get(ID)?.version).toBe(3);
    });

    it('the uniqueness rules skip the group being replaced, and name the sources another group holds', async () => {
      repo.add({ tenantId: 'acme', id: 'other', name: 'Other', passwordPolicyId: 'p', sourceIds: ['s9', 's2'] });
      await expect(service.update(actorOf('acme'), ID, INPUT)).rejects.toEqual(
        new SourceAlreadyInGroupError([{ sourceId: 's2', groupId: 'other', groupName: 'Other' }]),
      );
      await expect(service.update(actorOf('acme'), ID, { ...INPUT, sourceIds: ['s1'] })).resolves.toMatchObject({
        version: 5,
      });
    });
  });
});
