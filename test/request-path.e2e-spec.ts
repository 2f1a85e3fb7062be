import { VALID_BODY, startTestApp, type TestApp } from './support/test-app';

/**
 * Work that a request could repeat but that happens once per process instead
 * (docs/performance.md). Each test counts the calls a second identical request makes.
 */
describe('per-request work done once', () => {
  let t: TestApp;
  let auth: Record<string, string>;
  let id: string;

  beforeAll(async () => {
    t = await startTestApp('sqlite');
    auth = { Authorization: t.bearer() };
    const res = await t.http().post('/v3/password-sync-groups').set(auth).send(VALID_BODY);
    if (res.status !== 200) throw new Error(`setup: create answered ${res.status}`);
    id = res.body.id;
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Reflect.getMetadata calls made while `send` runs. */
  async function metadataReads(send: () => Promise<{ status: number }>, status: number): Promise<unknown[][]> {
    const spy = jest.spyOn(Reflect, 'getMetadata');
    try {
      const res = await send();
      expect(res.status).toBe(status);
      return spy.mock.calls.map(([key]) => [key]);
    } finally {
      spy.mockRestore();
    }
  }

  it('the global guards read route metadata (public? access? rate-limit overrides) on the first request only', async () => {
    const get = () => t.http().get(`/v3/password-sync-groups/${id}`).set(auth);
    const first = await metadataReads(get, 200);
    expect(first.length).toBeGreaterThan(0);
    expect(await metadataReads(get, 200)).toEqual([]);
    // Another route of the same controller reads its own handler's metadata once, too.
    const list = () => t.http().get('/v3/password-sync-groups').set(auth);
    expect((await metadataReads(list, 200)).length).toBeGreaterThan(0);
    expect(await metadataReads(list, 200)).toEqual([]);
    // A refused request takes the same path through the guards.
    const anonymous = () => t.http().get(`/v3/password-sync-groups/${id}`);
    expect(await metadataReads(anonymous, 401)).toEqual([]);
  });
});
