import type { AddressInfo } from 'node:net';
import { Configuration, PasswordSyncGroupsBetaApi, PasswordSyncGroupsV2024Api } from 'sailpoint-api-client';
import { sdkExample } from '../examples/sdk-example';
import { DATABASES } from './support/databases';
import { ISO_UTC, snapshot, useTestApp } from './support/test-app';

/**
 * The official SailPoint TypeScript SDK, unmodified, over real HTTP: what SailPoint's users run.
 */
describe.each(DATABASES)('sailpoint-api-client SDK against the service (%s)', (kind) => {
  const t = useTestApp(kind);
  let baseurl: string;
  beforeAll(async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    baseurl = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
  });

  it('runs the README example (PasswordSyncGroupsApi, /v3): create, list with count, get, update, delete', async () => {
    const lines: string[] = [];
    const result = await sdkExample(baseurl, t.token(), (line) => lines.push(line));
    expect(result.created).toEqual({
      id: expect.any(String),
      name: 'Password Sync Group 2',
      passwordPolicyId: '2c91808d744ba0ce01746f93b6204501',
      sourceIds: ['2c918084660f45d6016617daa9210584', '2c918084660f45d6016617daa9210500'],
      created: expect.stringMatching(ISO_UTC),
      modified: expect.stringMatching(ISO_UTC),
    });
    expect(result.list.status).toBe(200);
    expect(result.list.headers['x-total-count']).toBe('1');
    expect(result.got).toEqual(result.created);
    expect(result.updated).toEqual({
      ...result.created,
      name: 'Password Sync Group 2 (renamed)',
      modified: expect.stringMatching(ISO_UTC),
    });
    expect(result.deleted.status).toBe(204);
    expect(lines).toHaveLength(5);
    expect(await snapshot(t.dataSource)).toEqual([[], []]);
  });

  it('works with the Beta and V2024 API classes too', async () => {
    const config = new Configuration({ baseurl, accessToken: t.token() });
    const beta = new PasswordSyncGroupsBetaApi(config);
    const v2024 = new PasswordSyncGroupsV2024Api(config);
    const body = { name: 'SDK beta', passwordPolicyId: 'pp-1', sourceIds: ['src-a', 'src-b'] };

    const created = await beta.createPasswordSyncGroup({ passwordSyncGroupBeta: body });
    expect(created.status).toBe(200);
    const id = created.data.id!;
    const got = await v2024.getPasswordSyncGroup({ id });
    expect(got.data).toEqual(created.data);
    const listed = await v2024.getPasswordSyncGroups({ count: true, limit: 10 });
    expect(listed.headers['x-total-count']).toBe('1');
    expect(listed.data).toEqual([created.data]);
    const updated = await v2024.updatePasswordSyncGroup({
      id,
      passwordSyncGroupV2024: { ...got.data, sourceIds: ['src-c'] },
    });
    expect(updated.data.sourceIds).toEqual(['src-c']);
    await beta.deletePasswordSyncGroup({ id });

    // SDK errors carry SailPoint's envelope.
    const failure = await beta.getPasswordSyncGroup({ id }).then(
      () => undefined,
      (err: { response: { status: number; data: { detailCode: string } } }) => err.response,
    );
    expect(failure?.status).toBe(404);
    expect(failure?.data.detailCode).toBe('404 Not found');
  });
});
