import { invariantViolations } from './support/invariants';
import { useTestApp } from './support/test-app';

/** The invariant check used by the concurrency and fuzz suites must itself be able to fail. */
describe('the data invariant check', () => {
  const t = useTestApp('sqlite');

  it('passes on consistent data and names each kind of inconsistency', async () => {
    const ok = await t
      .http()
      .post('/password-sync-groups')
      .set('Authorization', t.bearer())
      .send({ name: 'Fine', passwordPolicyId: 'p', sourceIds: ['a', 'b'] });
    expect(ok.status).toBe(200);
    expect(await invariantViolations(t.dataSource)).toEqual([]);

    const insert = (id: string, name: string, key: string, created: string, modified: string, version: number) =>
      t.dataSource.query(
        'INSERT INTO password_sync_group (id, tenant_id, name, name_key, password_policy_id, created, modified, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        [id, 'acme', name, key, 'p', created, modified, version],
      );
    const source = (groupId: string, sourceId: string, position: number) =>
      t.dataSource.query(
        'INSERT INTO password_sync_group_source (tenant_id, source_id, group_id, position) VALUES (?, ?, ?, ?)',
        ['acme', sourceId, groupId, position],
      );
    const T1 = '2026-01-01T00:00:00.000Z';
    const T0 = '2025-01-01T00:00:00.000Z';
    await insert('00000000-0000-4000-8000-000000000001', 'Empty', 'empty', T1, T1, 1);
    await insert('00000000-0000-4000-8000-000000000002', 'Gap', 'gap', T1, T1, 1);
    await source('00000000-0000-4000-8000-000000000002', 'g1', 0);
    await source('00000000-0000-4000-8000-000000000002', 'g2', 2);
    await insert('00000000-0000-4000-8000-000000000003', 'Mixed Case', 'Mixed Case', T1, T0, 0);
    await source('00000000-0000-4000-8000-000000000003', 'm1', 0);
    await insert('00000000-0000-4000-8000-000000000004', 'FINE', 'fine-but-not-the-key', T1, T1, 1);
    await source('00000000-0000-4000-8000-000000000004', 'f1', 0);

    expect((await invariantViolations(t.dataSource)).sort()).toEqual(
      [
        'group 00000000-0000-4000-8000-000000000001 has 0 sources',
        'group 00000000-0000-4000-8000-000000000002 has source positions [0,2]',
        'group 00000000-0000-4000-8000-000000000003: name_key "Mixed Case" is not the key of "Mixed Case"',
        `group 00000000-0000-4000-8000-000000000003 was modified (${T0}) before it was created (${T1})`,
        'group 00000000-0000-4000-8000-000000000003 has version 0',
        'group 00000000-0000-4000-8000-000000000004: name_key "fine-but-not-the-key" is not the key of "FINE"',
        'tenant acme has two groups whose names are equal ignoring case: "FINE" and "Fine"',
      ].sort(),
    );
  });
});
