/**
 * SailPoint's official TypeScript SDK (sailpoint-api-client), unmodified, against this service.
 * The README shows this file; test/sdk.e2e-spec.ts runs it, so the example cannot go stale.
 *
 *   PSG_BASE_URL=http://localhost:3000 PSG_TOKEN=$(npm run token) npx ts-node examples/sdk-example.ts
 */
import { Configuration, PasswordSyncGroupsApi } from 'sailpoint-api-client';

export async function sdkExample(baseurl: string, accessToken: string, log: (line: string) => void = console.log) {
  // baseurl is the host; the SDK appends its version prefix (/v3 for PasswordSyncGroupsApi).
  const api = new PasswordSyncGroupsApi(new Configuration({ baseurl, accessToken }));

  const created = await api.createPasswordSyncGroup({
    passwordSyncGroup: {
      name: 'Password Sync Group 2',
      passwordPolicyId: '2c91808d744ba0ce01746f93b6204501',
      sourceIds: ['2c918084660f45d6016617daa9210584', '2c918084660f45d6016617daa9210500'],
    },
  });
  const id = created.data.id!;
  log(`created ${id}: ${created.data.name}`);

  const list = await api.getPasswordSyncGroups({ limit: 50, offset: 0, count: true });
  log(`listed ${list.data.length} of ${list.headers['x-total-count']}`);

  const got = await api.getPasswordSyncGroup({ id });
  log(`got ${got.data.name} with ${got.data.sourceIds?.length} sources`);

  const updated = await api.updatePasswordSyncGroup({
    id,
    passwordSyncGroup: { ...got.data, name: 'Password Sync Group 2 (renamed)' },
  });
  log(`updated name to ${updated.data.name}, modified ${updated.data.modified}`);

  const deleted = await api.deletePasswordSyncGroup({ id });
  log(`deleted: HTTP ${deleted.status}`);
  return { created: created.data, list, got: got.data, updated: updated.data, deleted };
}

if (require.main === module) {
  const baseurl = process.env.PSG_BASE_URL ?? 'http://localhost:3000';
  const token = process.env.PSG_TOKEN;
  if (!token) {
    console.error('Set PSG_TOKEN (e.g. PSG_TOKEN=$(npm run token))');
    process.exit(2);
  }
  sdkExample(baseurl, token).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
