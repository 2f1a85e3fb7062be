import type { AddressInfo } from 'node:net';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { COMPRESSION_THRESHOLD_BYTES } from '../src/common/http/fastify-adapter';
import { rawRequest, type RawResponse } from './support/raw-http';
import { TRACKING_ID, VALID_BODY, useTestApp } from './support/test-app';

const DECODERS: Record<string, (body: Buffer) => Buffer> = {
  gzip: gunzipSync,
  deflate: inflateSync,
  br: brotliDecompressSync,
};

const json = (res: RawResponse, decode: (b: Buffer) => Buffer = (b) => b): unknown =>
  JSON.parse(decode(res.body).toString('utf8'));

/** What HTTP clients, proxies and browsers expect beyond the API's own operations. */
describe('HTTP behaviour: compression, HEAD, OPTIONS', () => {
  const t = useTestApp('sqlite');
  let base: string;
  let auth: Record<string, string>;
  let ids: string[];

  beforeAll(async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    auth = { Authorization: t.bearer() };
    ids = [];
    // Enough groups for the list to pass the compression threshold.
    for (let i = 0; i < 12; i++) {
      const res = await t
        .http()
        .post('/password-sync-groups')
        .set(auth)
        .send({ ...VALID_BODY, name: `Group ${i}`, sourceIds: [`2c918084660f45d6016617daa92105${10 + i}`] });
      if (res.status !== 200) throw new Error(`setup: create answered ${res.status}`);
      ids.push(res.body.id);
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('compression, when the client asks', () => {
    it.each(['gzip', 'br', 'deflate'])(
      'compresses a large list with %s, and it decodes to the same JSON',
      async (encoding) => {
        const plain = await rawRequest(base, 'GET', '/v3/password-sync-groups?count=true', auth);
        expect(plain.status).toBe(200);
        expect(plain.body.length).toBeGreaterThan(COMPRESSION_THRESHOLD_BYTES);
        expect(plain.headers['content-encoding']).toBeUndefined();

        const packed = await rawRequest(base, 'GET', '/v3/password-sync-groups?count=true', {
          ...auth,
          'Accept-Encoding': encoding,
        });
        expect(packed.status).toBe(200);
        expect(packed.headers['content-encoding']).toBe(encoding);
        expect(packed.headers.vary).toMatch(/accept-encoding/i);
        expect(packed.headers['content-type']).toBe('application/json; charset=utf-8');
        expect(packed.headers['x-total-count']).toBe('12');
        expect(packed.headers['x-tracking-id']).toMatch(TRACKING_ID);
        expect(packed.body.length).toBeLessThan(plain.body.length);
        expect(json(packed, DECODERS[encoding])).toEqual(json(plain));
        expect((json(plain) as Array<{ id: string }>).map((g) => g.id)).toEqual(ids);
      },
    );

    it("follows the client's preference among several encodings", async () => {
      const res = await rawRequest(base, 'GET', '/password-sync-groups', {
        ...auth,
        'Accept-Encoding': 'br;q=0.5, gzip;q=1.0, deflate;q=0.1',
      });
      expect(res.headers['content-encoding']).toBe('gzip');
      expect((json(res, gunzipSync) as unknown[]).length).toBe(12);
    });

    it('leaves a response alone when the client does not ask, or asks for identity or something unknown', async () => {
      for (const accept of [undefined, 'identity', 'compress']) {
        const res = await rawRequest(base, 'GET', '/password-sync-groups', {
          ...auth,
          ...(accept ? { 'Accept-Encoding': accept } : {}),
        });
        expect({ accept, status: res.status, encoding: res.headers['content-encoding'] ?? 'none' }).toEqual({
          accept,
          status: 200,
          encoding: 'none',
        });
        expect((json(res) as unknown[]).length).toBe(12);
      }
    });

    it('does not compress responses under the threshold (a single group)', async () => {
      const res = await rawRequest(base, 'GET', `/password-sync-groups/${ids[0]}`, {
        ...auth,
        'Accept-Encoding': 'gzip',
      });
      expect(res.status).toBe(200);
      expect(res.body.length).toBeLessThan(COMPRESSION_THRESHOLD_BYTES);
      expect(res.headers['content-encoding']).toBeUndefined();
      expect(json(res)).toMatchObject({ id: ids[0], name: 'Group 0' });
    });

    it('compresses the OpenAPI document too', async () => {
      const res = await rawRequest(base, 'GET', '/docs-json', { 'Accept-Encoding': 'gzip' });
      expect(res.status).toBe(200);
      expect(res.headers['content-encoding']).toBe('gzip');
      expect(json(res, gunzipSync)).toMatchObject({ openapi: expect.stringMatching(/^3\./) });
    });
  });

  describe('HEAD, wherever GET works', () => {
    it.each(['', '/v3', '/v2026'])('HEAD %s/password-sync-groups: the headers of GET, no body', async (prefix) => {
      const get = await rawRequest(base, 'GET', `${prefix}/password-sync-groups?count=true&limit=5`, auth);
      const head = await rawRequest(base, 'HEAD', `${prefix}/password-sync-groups?count=true&limit=5`, auth);
      expect(head.status).toBe(200);
      expect(head.body.length).toBe(0);
      expect(head.headers['content-type']).toBe(get.headers['content-type']);
      expect(head.headers['content-length']).toBe(String(get.body.length));
      expect(head.headers['x-total-count']).toBe('12');
      expect(head.headers['x-tracking-id']).toMatch(TRACKING_ID);
    });

    it('HEAD of one group is 200; of a missing group 404; both without a body', async () => {
      const found = await rawRequest(base, 'HEAD', `/beta/password-sync-groups/${ids[3]}`, auth);
      expect(found.status).toBe(200);
      expect(found.body.length).toBe(0);
      const missing = await rawRequest(
        base,
        'HEAD',
        '/password-sync-groups/6881f631-3bd5-4213-9c75-8e05cc3e35dd',
        auth,
      );
      expect(missing.status).toBe(404);
      expect(missing.body.length).toBe(0);
    });

    it('HEAD needs the same token as GET', async () => {
      const res = await rawRequest(base, 'HEAD', '/password-sync-groups');
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.body.length).toBe(0);
    });

    it('HEAD works on the public docs too', async () => {
      const res = await rawRequest(base, 'HEAD', '/docs-json');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
    });
  });

  describe('OPTIONS without CORS configured', () => {
    it.each([
      ['/password-sync-groups', 'GET, HEAD, POST'],
      ['/v3/password-sync-groups/6881f631-3bd5-4213-9c75-8e05cc3e35dd', 'GET, HEAD, PUT, DELETE'],
    ])('OPTIONS %s is a 405 envelope naming the allowed methods, not a 500', async (path, allowed) => {
      const variants: Array<Record<string, string>> = [
        {},
        // What a browser sends before a cross-origin request.
        { Origin: 'https://elsewhere.example', 'Access-Control-Request-Method': 'POST' },
      ];
      for (const headers of variants) {
        const res = await rawRequest(base, 'OPTIONS', path, headers);
        const trackingId = res.headers['x-tracking-id'] as string;
        expect(res.status).toBe(405);
        expect(res.headers.allow).toBe(allowed);
        expect(res.headers['access-control-allow-origin']).toBeUndefined();
        expect(trackingId).toMatch(TRACKING_ID);
        expect(json(res)).toEqual({
          detailCode: '405 Method Not Allowed',
          trackingId,
          messages: [
            {
              locale: 'en-US',
              localeOrigin: 'DEFAULT',
              text: 'The method received in the request-line is not supported by the target resource.',
            },
          ],
          causes: [
            {
              locale: 'en-US',
              localeOrigin: 'DEFAULT',
              text: `OPTIONS is not supported on ${path}; supported: ${allowed}.`,
            },
          ],
        });
      }
    });
  });
});
