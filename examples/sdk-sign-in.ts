/**
 * SailPoint's TypeScript SDK, unmodified, signing in as SailPoint's users do: no access token in
 * the code. `new Configuration()` reads SAIL_BASE_URL / SAIL_CLIENT_ID / SAIL_CLIENT_SECRET
 * (else ./config.json, else ~/.sailpoint/config.yaml) and trades the personal access token
 * for an access token at {SAIL_BASE_URL}/oauth/token. test/sdk-sign-in.e2e-spec.ts runs it
 * all three ways.
 *
 *   export SAIL_BASE_URL=… SAIL_CLIENT_ID=… SAIL_CLIENT_SECRET=…   (npm start prints these)
 *   npx ts-node examples/sdk-sign-in.ts
 */
import { Configuration, PasswordSyncGroupsApi } from 'sailpoint-api-client';

async function main(): Promise<void> {
  const api = new PasswordSyncGroupsApi(new Configuration());
  const created = await api.createPasswordSyncGroup({
    passwordSyncGroup: { name: 'Signed in with a PAT', passwordPolicyId: 'pp-1', sourceIds: ['source-1', 'source-2'] },
  });
  const id = created.data.id!;
  const listed = await api.getPasswordSyncGroups({ count: true });
  const got = await api.getPasswordSyncGroup({ id });
  const updated = await api.updatePasswordSyncGroup({ id, passwordSyncGroup: { ...got.data, name: 'Renamed' } });
  const deleted = await api.deletePasswordSyncGroup({ id });
  // One JSON line last, for the test to read.
  console.log(
    JSON.stringify({
      created: created.data,
      total: listed.headers['x-total-count'] as string | undefined,
      got: got.data,
      updated: updated.data,
      deleted: deleted.status,
    }),
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
