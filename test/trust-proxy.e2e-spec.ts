import { startTestApp, type TestApp } from './support/test-app';

const LIMIT = 5;

/**
 * X-Forwarded-For over real HTTP. Requests that fail authentication are budgeted per client IP;
 * without TRUST_PROXY the header is ignored (the IP is the connecting peer), so a client that
 * forges a new address on every request still runs out of budget. With TRUST_PROXY naming the
 * proxy that connects, the address it forwards is the client's, and each has its own budget; a
 * peer that is not the configured proxy is not believed.
 */
describe.each([
  ['unset (the default)', undefined, 'ignored'],
  ['naming another address than the peer', '10.9.8.7', 'ignored'],
  ['naming the connecting proxy (127.0.0.1)', '127.0.0.1', 'honoured'],
] as const)('X-Forwarded-For with TRUST_PROXY %s', (_label, trustProxy, expected) => {
  let t: TestApp;
  let base: string;

  beforeAll(async () => {
    t = await startTestApp(
      'sqlite',
      {
        THROTTLE_LIMIT: String(LIMIT),
        THROTTLE_TTL_SECONDS: '120',
        ...(trustProxy === undefined ? {} : { TRUST_PROXY: trustProxy }),
      },
      { listen: true },
    );
    base = t.url;
  });
  afterAll(async () => {
    await t?.close();
  });

  const anonymous = (forwardedFor: string) =>
    fetch(`${base}/password-sync-groups`, { headers: { 'x-forwarded-for': forwardedFor } }).then((r) => r.status);

  it(`a client rotating forged addresses: the header is ${expected}`, async () => {
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT * 2; i++) statuses.push(await anonymous(`203.0.113.${i + 1}`));
    if (expected === 'ignored') {
      // One budget (the peer's): it runs out whatever the header says.
      expect(statuses).toEqual([...Array(LIMIT).fill(401), ...Array(LIMIT).fill(429)]);
    } else {
      // Each forwarded client has a budget of its own…
      expect(statuses).toEqual(Array(LIMIT * 2).fill(401));
      // …and one of them still runs out of it.
      const same: number[] = [];
      for (let i = 0; i <= LIMIT; i++) same.push(await anonymous('198.51.100.7'));
      expect(same).toEqual([...Array(LIMIT).fill(401), 429]);
    }
  });
});
