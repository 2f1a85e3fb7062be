import { connect } from 'node:net';
import { TRACKING_ID, useTestApp } from './support/test-app';

const APP_ORIGIN = 'https://admin.example.com';
const LIST = '/v3/password-sync-groups';

describe('security headers (helmet)', () => {
  const t = useTestApp('sqlite');

  it('are on API responses, errors included; no X-Powered-By', async () => {
    for (const res of [
      await t.http().get(LIST).set('Authorization', t.bearer()),
      await t.http().get(LIST),
      await t.http().get('/nowhere').set('Authorization', t.bearer()),
    ]) {
      expect(res.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'SAMEORIGIN',
        'strict-transport-security': 'max-age=31536000; includeSubDomains',
        'referrer-policy': 'no-referrer',
        'cross-origin-resource-policy': 'same-origin',
      });
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('still let Swagger UI load: its page and scripts come from this origin', async () => {
    const page = await t.http().get('/docs').redirects(1);
    expect(page.status).toBe(200);
    const scripts = [...page.text.matchAll(/<script[^>]*src="([^"]+)"/g)].map((m) => m[1]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) expect(src).toMatch(/^\.?\//); // relative: 'self' under script-src 'self'
    expect(page.text).not.toMatch(/<script>(?!\s*<\/script>)/); // no inline script that the policy would block
  });
});

describe('CORS (CORS_ORIGINS)', () => {
  const t = useTestApp('sqlite', { CORS_ORIGINS: `${APP_ORIGIN}, http://localhost:5173`, THROTTLE_LIMIT: '2' });

  it('answers a browser preflight from an allowed origin: 204, no token needed, the methods and headers allowed', async () => {
    const res = await t
      .http()
      .options(`${LIST}/6881f631-3bd5-4213-9c75-8e05cc3e35dd`)
      .set('Origin', APP_ORIGIN)
      .set('Access-Control-Request-Method', 'PUT')
      .set('Access-Control-Request-Headers', 'authorization,content-type');
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(res.headers).toMatchObject({
      'access-control-allow-origin': APP_ORIGIN,
      'access-control-allow-methods': 'GET, HEAD, POST, PUT, DELETE',
      'access-control-allow-headers': 'Authorization, Content-Type, If-Match',
      'access-control-max-age': '600',
    });
    expect(res.headers.vary).toMatch(/Origin/);
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('a preflight from another origin gets no CORS headers, so the browser refuses the call', async () => {
    const res = await t
      .http()
      .options(LIST)
      .set('Origin', 'https://evil.example.com')
      .set('Access-Control-Request-Method', 'DELETE');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('lets the page read X-Total-Count, X-Tracking-Id, SLPT-Request-ID and Retry-After, on successes and on errors', async () => {
    const ok = await t
      .http()
      .get(`${LIST}?count=true`)
      .set('Origin', APP_ORIGIN)
      .set('Authorization', t.bearer({ clientId: 'browser' }));
    expect(ok.status).toBe(200);
    expect(ok.headers['access-control-allow-origin']).toBe(APP_ORIGIN);
    expect(ok.headers['access-control-expose-headers']).toBe(
      'X-Total-Count, X-Tracking-Id, SLPT-Request-ID, Retry-After, ETag',
    );
    expect(ok.headers['x-total-count']).toBe('0');
    expect(ok.headers['x-tracking-id']).toMatch(TRACKING_ID);
    expect(ok.headers['slpt-request-id']).toBe(ok.headers['x-tracking-id']);

    const unauthorized = await t.http().get(LIST).set('Origin', APP_ORIGIN);
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers['access-control-allow-origin']).toBe(APP_ORIGIN);

    await t
      .http()
      .get(LIST)
      .set('Origin', APP_ORIGIN)
      .set('Authorization', t.bearer({ clientId: 'browser' }));
    const limited = await t
      .http()
      .get(LIST)
      .set('Origin', APP_ORIGIN)
      .set('Authorization', t.bearer({ clientId: 'browser' }));
    expect(limited.status).toBe(429);
    expect(limited.headers['access-control-allow-origin']).toBe(APP_ORIGIN);
    expect(limited.headers['access-control-expose-headers']).toContain('Retry-After');
    expect(limited.headers['retry-after']).toMatch(/^\d+$/);
  });

  it('an OPTIONS that is not a preflight is an ordinary request: 405 envelope', async () => {
    const res = await t
      .http()
      .options(LIST)
      .set('Authorization', t.bearer({ clientId: 'opts' }));
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD, POST');
    expect(res.body).toEqual({
      detailCode: '405 Method Not Allowed',
      trackingId: res.headers['x-tracking-id'],
      messages: [
        expect.objectContaining({
          text: 'The method received in the request-line is not supported by the target resource.',
        }),
      ],
      causes: [
        expect.objectContaining({
          text: `OPTIONS is not supported on ${LIST}; supported: GET, HEAD, POST.`,
        }),
      ],
    });
  });

  it('unknown routes stay 404 with CORS on (the preflight catch-all is not a resource)', async () => {
    const res = await t
      .http()
      .get('/nowhere')
      .set('Origin', APP_ORIGIN)
      .set('Authorization', t.bearer({ clientId: 'nf' }));
    expect(res.status).toBe(404);
    expect(res.body.detailCode).toBe('404 Not found');
    expect(res.headers['access-control-allow-origin']).toBe(APP_ORIGIN);
  });
});

describe('CORS off by default', () => {
  const t = useTestApp('sqlite');

  it('sends no CORS headers, not even to a preflight', async () => {
    const preflight = await t
      .http()
      .options(LIST)
      .set('Origin', APP_ORIGIN)
      .set('Access-Control-Request-Method', 'GET');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const res = await t.http().get(LIST).set('Origin', APP_ORIGIN).set('Authorization', t.bearer());
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('slow clients (HTTP_REQUEST_TIMEOUT_SECONDS)', () => {
  const t = useTestApp(
    'sqlite',
    { HTTP_REQUEST_TIMEOUT_SECONDS: '1', HTTP_KEEP_ALIVE_TIMEOUT_SECONDS: '5' },
    { listen: true },
  );

  /** Opens a raw connection, sends `bytes`, then says nothing more; resolves with what the server sent when it closed. */
  const slowClient = (bytes: string) =>
    new Promise<string>((resolve, reject) => {
      const { port } = new URL(t.url);
      const socket = connect(Number(port), '127.0.0.1', () => socket.write(bytes));
      let received = '';
      socket.on('data', (chunk) => (received += chunk.toString()));
      socket.on('close', () => resolve(received));
      socket.on('error', reject);
      socket.setTimeout(30_000, () => {
        socket.destroy();
        reject(new Error('the server kept the slow connection open'));
      });
    });

  it('a request whose headers never finish is answered 408 with the envelope, and the connection closed', async () => {
    const raw = await slowClient('GET /v3/password-sync-groups HTTP/1.1\r\nHost: localhost\r\nX-Slow: ');
    const [head, body] = raw.split('\r\n\r\n');
    expect(head.split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
    expect(head).toMatch(/\r\nConnection: close(\r\n|$)/);
    const trackingId = /\r\nX-Tracking-Id: ([0-9a-f]{32})/.exec(head)?.[1];
    expect(trackingId).toMatch(TRACKING_ID);
    expect(head).toContain(`\r\nSLPT-Request-ID: ${trackingId}\r\n`);
    expect(head).toContain('\r\nCache-Control: no-cache, no-store, must-revalidate\r\n');
    expect(JSON.parse(body)).toEqual({
      detailCode: '408 Request Timeout',
      trackingId,
      messages: [
        {
          locale: 'en-US',
          localeOrigin: 'DEFAULT',
          text: 'The server did not receive a complete request message within the time that it was prepared to wait.',
        },
      ],
      causes: [{ locale: 'en-US', localeOrigin: 'DEFAULT', text: 'The request was not received in full in time.' }],
    });
  });

  it('so is a body that never arrives in full', async () => {
    const raw = await slowClient(
      `POST /v3/password-sync-groups HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\nAuthorization: Bearer ${t.token()}\r\n\r\n{"name":`,
    );
    expect(raw.split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
  });

  it('a connection that sends nothing at all is closed too', async () => {
    const raw = await slowClient('');
    expect(raw.split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
  });

  it('bytes that are not HTTP get the 400 envelope', async () => {
    const raw = await slowClient('HELLO\r\n\r\n');
    expect(raw.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    expect(JSON.parse(raw.split('\r\n\r\n')[1]).detailCode).toBe('400.0 Bad Request Syntax');
  });

  it('advertises the keep-alive timeout', async () => {
    const res = await fetch(`${t.url}/health/live`);
    expect(res.headers.get('keep-alive')).toBe('timeout=5');
  });
});
