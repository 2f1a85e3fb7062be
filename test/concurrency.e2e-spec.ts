import type { PasswordSyncGroupView } from '../src/password-sync-groups/dto/password-sync-group.dto';
import request from 'supertest';
import { DATABASES } from './support/databases';
import { invariantViolations } from './support/invariants';
import { VALID_BODY, badRequestBody, groupChanged, groupNotFound, snapshot, useTestApp } from './support/test-app';

const PARALLEL = 50;

type Group = PasswordSyncGroupView;
type Body = Pick<Group, 'name' | 'passwordPolicyId' | 'sourceIds'>;

/**
 * Requests really in flight together, over HTTP, against SQLite (one connection, writes
 * serialized by UnitOfWork) and PostgreSQL (a pool of connections, real concurrent
 * transactions). The outcome must be the same: no lost update, no double claim, no
 * half-written group.
 */
describe.each(DATABASES)('concurrent requests (%s)', (kind) => {
  const t = useTestApp(kind, {}, { clearBeforeEach: true });
  let base: string;
  beforeAll(async () => {
    base = await t.listen();
  });
  afterEach(async () => {
    expect(await invariantViolations(t.dataSource)).toEqual([]);
  });

  const http = () => request(base);
  const auth = () => t.bearer();
  const create = (body: Body) => http().post('/password-sync-groups').set('Authorization', auth()).send(body);
  const put = (id: string, body: Body, ifMatch?: string) => {
    const req = http().put(`/password-sync-groups/${id}`).set('Authorization', auth());
    if (ifMatch) void req.set('If-Match', ifMatch);
    return req.send(body);
  };
  const del = (id: string, ifMatch?: string) => {
    const req = http().delete(`/password-sync-groups/${id}`).set('Authorization', auth());
    if (ifMatch) void req.set('If-Match', ifMatch);
    return req;
  };
  const get = (id: string) => http().get(`/password-sync-groups/${id}`).set('Authorization', auth());
  const countBy = (statuses: number[]) =>
    statuses.reduce<Record<number, number>>((acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {});

  it(`${PARALLEL} parallel PUTs with the same If-Match: exactly one 200, the rest 412, the winner's body stored`, async () => {
    const group = (await create(VALID_BODY)).body as Group;
    const bodies: Body[] = Array.from({ length: PARALLEL }, (_, i) => ({
      name: `Edit ${i}`,
      passwordPolicyId: `policy-${i}`,
      sourceIds: [`src-${i}-a`, `src-${i}-b`],
    }));
    const responses = await Promise.all(bodies.map((body) => put(group.id, body, '"1"')));

    expect(countBy(responses.map((r) => r.status))).toEqual({ 200: 1, 412: PARALLEL - 1 });
    const winnerIndex = responses.findIndex((r) => r.status === 200);
    const winner = responses[winnerIndex];
    expect(winner.headers.etag).toBe('"2"');
    expect(winner.body).toEqual({ ...group, ...bodies[winnerIndex], modified: expect.any(String) });
    for (const loser of responses.filter((r) => r.status === 412)) {
      expect(loser.headers.etag).toBe('"2"');
      expect(loser.body).toEqual(groupChanged(loser.headers['x-tracking-id'], group.id, '"2"'));
    }

    const stored = await get(group.id);
    expect(stored.body).toEqual(winner.body);
    expect(stored.headers.etag).toBe('"2"');
    const [groups, sources] = (await snapshot(t.dataSource)) as [
      Array<{ version: number }>,
      Array<{ source_id: string }>,
    ];
    expect(groups).toHaveLength(1);
    expect(groups[0].version).toBe(2);
    expect(sources.map((s) => s.source_id).sort()).toEqual([...bodies[winnerIndex].sourceIds].sort());
  });

  it(`${PARALLEL} parallel PUTs without If-Match all succeed; the versions are 2..${PARALLEL + 1} and the last one is stored`, async () => {
    const group = (await create(VALID_BODY)).body as Group;
    const bodies: Body[] = Array.from({ length: PARALLEL }, (_, i) => ({
      name: `Blind ${i}`,
      passwordPolicyId: 'p',
      sourceIds: [`blind-${i}`],
    }));
    const responses = await Promise.all(bodies.map((body) => put(group.id, body)));
    expect(countBy(responses.map((r) => r.status))).toEqual({ 200: PARALLEL });
    // Every write got its own version: none was lost or applied twice.
    const versions = responses.map((r) => Number(JSON.parse(r.headers.etag))).sort((a, b) => a - b);
    expect(versions).toEqual(Array.from({ length: PARALLEL }, (_, i) => i + 2));
    const last = responses.find((r) => r.headers.etag === `"${PARALLEL + 1}"`)!;
    const stored = await get(group.id);
    expect(stored.headers.etag).toBe(`"${PARALLEL + 1}"`);
    expect(stored.body).toEqual(last.body);
  });

  it(`${PARALLEL} parallel creates claiming the same source: exactly one succeeds, the rest are 400 naming the source`, async () => {
    const bodies: Body[] = Array.from({ length: PARALLEL }, (_, i) => ({
      name: `Claimant ${i}`,
      passwordPolicyId: 'p',
      sourceIds: [`own-${i}`, 'contested-source'],
    }));
    const responses = await Promise.all(bodies.map(create));

    expect(countBy(responses.map((r) => r.status))).toEqual({ 200: 1, 400: PARALLEL - 1 });
    const winner = responses.find((r) => r.status === 200)!.body as Group;
    for (const loser of responses.filter((r) => r.status === 400)) {
      expect(loser.body).toEqual(
        badRequestBody(loser.headers['x-tracking-id'], [
          `Source 'contested-source' already belongs to password sync group '${winner.name}' (${winner.id}).`,
        ]),
      );
    }
    const [groups, sources] = (await snapshot(t.dataSource)) as [
      Array<{ id: string }>,
      Array<{ source_id: string; group_id: string }>,
    ];
    expect(groups.map((g) => g.id)).toEqual([winner.id]);
    expect(sources.map((s) => [s.source_id, s.group_id]).sort()).toEqual(
      winner.sourceIds.map((s) => [s, winner.id]).sort(),
    );
  });

  it(`${PARALLEL} parallel creates with the same name (in any case): exactly one succeeds`, async () => {
    const names = Array.from({ length: PARALLEL }, (_, i) => (i % 2 === 0 ? 'Contested Name' : 'CONTESTED name'));
    const responses = await Promise.all(
      names.map((name, i) => create({ name, passwordPolicyId: 'p', sourceIds: [`unique-${i}`] })),
    );

    expect(countBy(responses.map((r) => r.status))).toEqual({ 200: 1, 400: PARALLEL - 1 });
    const winner = responses.find((r) => r.status === 200)!.body as Group;
    responses.forEach((res, i) => {
      if (res.status !== 400) return;
      expect(res.body).toEqual(
        badRequestBody(res.headers['x-tracking-id'], [
          `A password sync group named '${names[i]}' already exists (${winner.id}); names are unique ignoring case.`,
        ]),
      );
    });
    const [groups, sources] = (await snapshot(t.dataSource)) as [unknown[], unknown[]];
    expect(groups).toHaveLength(1);
    expect(sources).toHaveLength(1);
  });

  it('interleaved updates, deletes and reads never leave or show a half-written group; a deleted group frees its sources', async () => {
    const GROUPS = 8;
    const PUTS = 5;
    const written = new Map<string, Body[]>();
    const ids: string[] = [];
    for (let g = 0; g < GROUPS; g++) {
      const body = { name: `Group ${g}`, passwordPolicyId: `p${g}`, sourceIds: [`g${g}-v0-a`, `g${g}-v0-b`] };
      const res = await create(body);
      expect(res.status).toBe(200);
      ids.push(res.body.id);
      written.set(res.body.id, [body]);
    }

    // For every group at once: PUTs (each with new sources), a DELETE (every other one
    // conditional on version 1, so it loses to any PUT that came first), and GETs.
    type Outcome = { kind: 'put' | 'delete' | 'get'; id: string; res: request.Response; body?: Body };
    const work: Array<Promise<Outcome>> = [];
    ids.forEach((id, g) => {
      for (let p = 1; p <= PUTS; p++) {
        const body = {
          name: `Group ${g} v${p}`,
          passwordPolicyId: `p${g}.${p}`,
          sourceIds: [`g${g}-v${p}-a`, `g${g}-v${p}-b`, `g${g}-v${p}-c`],
        };
        written.get(id)!.push(body);
        work.push(put(id, body).then((res) => ({ kind: 'put', id, res, body })));
        work.push(get(id).then((res) => ({ kind: 'get', id, res })));
        if (p === 3) work.push(del(id, g % 2 === 0 ? undefined : '"1"').then((res) => ({ kind: 'delete', id, res })));
      }
    });
    const outcomes = await Promise.all(work);

    for (const { kind: op, id, res, body } of outcomes) {
      if (op === 'get') {
        expect([200, 404]).toContain(res.status);
        // A read shows one whole write, never a mix of two, nor a group without its sources.
        if (res.status === 200) {
          const shown = {
            name: res.body.name,
            passwordPolicyId: res.body.passwordPolicyId,
            sourceIds: res.body.sourceIds,
          };
          expect(written.get(id)).toContainEqual(shown);
        } else expect(res.body).toEqual(groupNotFound(res.headers['x-tracking-id'], id));
      } else if (op === 'put') {
        expect([200, 404]).toContain(res.status);
        if (res.status === 200) expect(res.body).toMatchObject(body!);
        else expect(res.body).toEqual(groupNotFound(res.headers['x-tracking-id'], id));
      } else {
        expect([204, 404, 412]).toContain(res.status);
      }
    }

    const allSources: string[] = [];
    for (const id of ids) {
      const mine = outcomes.filter((o) => o.id === id);
      const deleted = mine.some((o) => o.kind === 'delete' && o.res.status === 204);
      const puts = mine.filter((o) => o.kind === 'put' && o.res.status === 200);
      const stored = await get(id);
      if (deleted) {
        expect(stored.status).toBe(404);
      } else {
        // Not deleted: the PUT with the highest version is what is stored, whole.
        expect(stored.status).toBe(200);
        const latest = puts.sort(
          (a, b) => Number(JSON.parse(b.res.headers.etag)) - Number(JSON.parse(a.res.headers.etag)),
        )[0];
        expect(stored.body).toEqual(latest.res.body);
        expect(stored.headers.etag).toBe(latest.res.headers.etag);
        expect(stored.headers.etag).toBe(`"${puts.length + 1}"`);
      }
      if (deleted) allSources.push(...written.get(id)!.flatMap((b) => b.sourceIds));
    }

    // Every source any deleted group ever held is free again: one new group can claim them all.
    const deletedCount = ids.filter((id) =>
      outcomes.some((o) => o.id === id && o.kind === 'delete' && o.res.status === 204),
    ).length;
    expect(deletedCount).toBeGreaterThanOrEqual(GROUPS / 2); // the unconditional deletes always succeed
    for (let i = 0; i < allSources.length; i += 250) {
      const claim = await create({
        name: `Reclaim ${i}`,
        passwordPolicyId: 'p',
        sourceIds: allSources.slice(i, i + 250),
      });
      expect(claim.status).toBe(200);
    }
  });
});
