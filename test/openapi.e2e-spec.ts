import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { generateOpenApiJson } from '../src/openapi-file';
import { useTestApp } from './support/test-app';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const COMMITTED = join(__dirname, '..', 'openapi.json');
/** SailPoint's specs, copied into the repository (test/fixtures/sailpoint/README.md says from where). */
const FIXTURES = join(__dirname, 'fixtures', 'sailpoint');
const METHODS = ['get', 'post', 'put', 'delete'];
/** The request headers this service documents beyond SailPoint's spec, per operation. */
const EXTENSION_HEADERS: Record<string, string[]> = {
  'put /password-sync-groups/{id}': ['If-Match'],
  'delete /password-sync-groups/{id}': ['If-Match'],
  'put /password-sync-groups/v1/{id}': ['If-Match'],
  'delete /password-sync-groups/v1/{id}': ['If-Match'],
};
const isServicePath = (path: string) => /^\/[^/]+\/v1(\/|$)/.test(path);
/** Each SailPoint spec, and which of our paths it describes. */
const REFERENCES = [
  { file: 'sailpoint-password-sync-groups.openapi.yaml', form: 'yearly', ours: (path: string) => !isServicePath(path) },
  { file: 'sailpoint-password-sync-groups.v1.openapi.yaml', form: 'per-service (v1)', ours: isServicePath },
];

describe('OpenAPI document', () => {
  let generated: string;
  let doc: Json;
  beforeAll(async () => {
    generated = await generateOpenApiJson();
    doc = JSON.parse(generated);
  });

  it('committed openapi.json is up to date (run `npm run openapi` when this fails)', () => {
    expect(readFileSync(COMMITTED, 'utf8')).toBe(generated);
  });

  describe('as served', () => {
    const t = useTestApp('sqlite');

    it('/docs-json serves the same document, without authentication', async () => {
      const res = await t.http().get('/docs-json');
      expect(res.status).toBe(200);
      expect(res.body).toEqual(doc);
    });

    it("Swagger UI's static files are revalidated (no tenant data); the page, its init script and /docs-json are no-store", async () => {
      for (const asset of ['/docs/swagger-ui-bundle.js', '/docs/swagger-ui.css']) {
        const res = await t.http().get(asset);
        expect({ asset, status: res.status, cache: res.headers['cache-control'] }).toEqual({
          asset,
          status: 200,
          cache: 'public, max-age=0',
        });
        const again = await t.http().get(asset).set('If-None-Match', res.headers.etag);
        expect({ asset, status: again.status }).toEqual({ asset, status: 304 });
      }
      for (const page of ['/docs', '/docs/swagger-ui-init.js', '/docs-json']) {
        const res = await t.http().get(page);
        expect({ page, status: res.status, cache: res.headers['cache-control'] }).toEqual({
          page,
          status: 200,
          cache: 'no-cache, no-store, must-revalidate',
        });
        expect(res.headers['slpt-request-id']).toBe(res.headers['x-tracking-id']);
      }
    });

    it('/docs serves Swagger UI, without authentication', async () => {
      const res = await t.http().get('/docs').redirects(1);
      expect(res.status).toBe(200);
      expect(res.text).toContain('swagger-ui');
    });
  });

  it('names SailPoint operationIds and documents bearer security, user level and scopes on every operation', () => {
    const ops: Array<[string, string, Json]> = [];
    for (const [path, item] of Object.entries<Json>(doc.paths)) {
      // Personal access tokens and /oauth/token: test/personal-access-tokens-openapi.e2e-spec.ts.
      if (!path.startsWith('/password-sync-groups')) continue;
      for (const m of METHODS) if (item[m]) ops.push([m, path, item[m]]);
    }
    expect(ops.map(([m, p, o]) => `${m} ${p} ${o.operationId}`)).toEqual([
      'get /password-sync-groups/v1 getPasswordSyncGroupsV1',
      'post /password-sync-groups/v1 createPasswordSyncGroupV1',
      'get /password-sync-groups/v1/{id} getPasswordSyncGroupV1',
      'put /password-sync-groups/v1/{id} updatePasswordSyncGroupV1',
      'delete /password-sync-groups/v1/{id} deletePasswordSyncGroupV1',
      'get /password-sync-groups getPasswordSyncGroups',
      'post /password-sync-groups createPasswordSyncGroup',
      'get /password-sync-groups/{id} getPasswordSyncGroup',
      'put /password-sync-groups/{id} updatePasswordSyncGroup',
      'delete /password-sync-groups/{id} deletePasswordSyncGroup',
    ]);
    for (const [, , op] of ops) {
      // SailPoint's OAuth2 schemes (a PAT at /oauth/token) with the operation's scopes, or a bearer JWT.
      const scopes = op['x-required-scopes'];
      expect(op.security).toEqual(
        op.operationId.startsWith('get')
          ? [{ userAuth: scopes }, { applicationAuth: scopes }, { bearerAuth: [] }]
          : [{ userAuth: scopes }, { bearerAuth: [] }],
      );
      expect(op['x-sailpoint-userLevels']).toEqual(['ORG_ADMIN']);
      expect(op['x-required-scopes']).toContain('sp:scopes:all');
    }
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const name of ['userAuth', 'applicationAuth']) {
      expect(doc.components.securitySchemes[name]).toMatchObject({
        type: 'oauth2',
        flows: {
          clientCredentials: {
            tokenUrl: '/oauth/token',
            scopes: expect.objectContaining({ 'sp:scopes:all': expect.any(String) }),
          },
        },
      });
    }
    expect(doc.servers.map((s: Json) => s.url)).toEqual(['/', '/v3', '/beta', '/v2024', '/v2025', '/v2026', '/latest']);
  });

  it('marks the per-service operations as the form to use, served at the bare server only', () => {
    for (const [path, item] of Object.entries<Json>(doc.paths)) {
      const ops = METHODS.filter((m) => item[m]).map((m) => item[m] as Json);
      if (isServicePath(path)) {
        // A yearly prefix cannot go in front of /password-sync-groups/v1: the path has its own server.
        expect({ path, servers: item.servers }).toEqual({
          path,
          servers: [{ url: '/', description: expect.any(String) }],
        });
        for (const op of ops)
          expect(op.description).toMatch(
            /^\*\*SailPoint's per-service path\*\*: what its current SDKs call, and the form to use/,
          );
      } else {
        expect({ path, servers: item.servers }).toEqual({ path, servers: undefined });
        // SailPoint's token endpoint is no API of a service: it has no per-service twin.
        const form = path === '/oauth/token' ? /^RFC 6749/ : /^The yearly form/;
        for (const op of ops) expect(op.description).toMatch(form);
      }
    }
    expect(doc.paths['/oauth/v1/token']).toBeUndefined();
    expect(doc.tags[0].description).toContain(
      'Use the operations on the per-service paths (`/password-sync-groups/v1`, `/personal-access-tokens/v1`), listed first',
    );
  });

  // The contract test: our document against SailPoint's own specs, one per URL form.
  describe.each(REFERENCES)("matches SailPoint's spec $file (the $form paths)", (reference) => {
    let ref: Json;
    /** Our document, restricted to the paths this reference describes. */
    let doc: Json;
    beforeAll(() => {
      ref = parse(readFileSync(join(FIXTURES, reference.file), 'utf8'));
      const whole = JSON.parse(generated) as Json;
      doc = { ...whole, paths: Object.fromEntries(Object.entries(whole.paths).filter(([p]) => reference.ours(p))) };
    });

    /** Resolves a local $ref (one level is all these documents use per hop). */
    const deref = (root: Json, node: Json | undefined): Json | undefined => {
      let n = node;
      while (n && n.$ref)
        n = n.$ref
          .slice(2)
          .split('/')
          .reduce((acc: Json, key: string) => acc[key], root);
      return n;
    };
    /** The comparable shape of a schema: type, format, nullable, items, properties (recursively), enum. */
    const shape = (root: Json, node: Json | undefined): unknown => {
      const s = deref(root, node);
      if (!s) return undefined;
      // `allOf: [$ref]` is how a property wraps a named schema to add its own description/nullable.
      if (s.allOf?.length === 1) {
        const inner = shape(root, s.allOf[0]) as Json;
        return s.nullable ? { ...inner, nullable: true } : inner;
      }
      const out: Json = { type: s.type ?? (s.properties ? 'object' : s.enum ? 'string' : undefined) };
      if (s.format) out.format = s.format;
      if (s.nullable) out.nullable = true;
      if (s.items) out.items = shape(root, s.items);
      if (s.properties) {
        out.properties = Object.fromEntries(Object.entries<Json>(s.properties).map(([k, v]) => [k, shape(root, v)]));
      }
      if (s.enum) out.enum = s.enum;
      return out;
    };
    /** Where the reference leaves a property untyped (the 401 `error`), any type of ours conforms. */
    const relax = (ours: unknown, theirs: unknown): unknown => {
      if (!ours || !theirs || typeof ours !== 'object' || typeof theirs !== 'object') return ours;
      const o = { ...(ours as Json) };
      const t = theirs as Json;
      if (t.type === undefined && !t.properties) return { ...o, type: undefined };
      if (o.items) o.items = relax(o.items, t.items);
      if (o.properties && t.properties) {
        o.properties = Object.fromEntries(
          Object.entries<Json>(o.properties).map(([k, v]) => [k, relax(v, t.properties[k])]),
        );
      }
      return o;
    };
    const operations = (d: Json) =>
      Object.entries<Json>(d.paths)
        .filter(([path]) => path.startsWith('/password-sync-groups'))
        .flatMap(([path, item]) =>
          METHODS.filter((m) => item[m]).map((m) => ({ key: `${m} ${path}`, op: item[m] as Json })),
        );

    it('has the same paths and operations with the same operationIds', () => {
      const ours = (d: Json) => Object.keys(d.paths).filter((p) => p.startsWith('/password-sync-groups'));
      expect(ours(doc).sort()).toEqual(Object.keys(ref.paths).sort());
      const oursIds = Object.fromEntries(operations(doc).map(({ key, op }) => [key, op.operationId]));
      const theirs = Object.fromEntries(operations(ref).map(({ key, op }) => [key, op.operationId]));
      expect(oursIds).toEqual(theirs);
    });

    it('has the same parameters: name, location, required, type, format, bounds, default', () => {
      const param = (root: Json, p: Json) => {
        const d = deref(root, p)!;
        const s = deref(root, d.schema) ?? {};
        return {
          name: d.name,
          in: d.in,
          required: d.required ?? false,
          type: s.type,
          format: s.format,
          minimum: s.minimum,
          maximum: s.maximum,
          default: s.default,
        };
      };
      for (const { key, op } of operations(ref)) {
        const ours = (operations(doc).find((o) => o.key === key)!.op.parameters ?? []).map((p: Json) => param(doc, p));
        // Our one addition: an optional If-Match request header (optimistic concurrency) on PUT and
        // DELETE. A client that does not know it never sends it, so SailPoint's contract is unchanged.
        const added = EXTENSION_HEADERS[key] ?? [];
        const extensions = ours.filter((p: Json) => p.in === 'header' && added.includes(p.name));
        expect({ key, extensions }).toEqual({
          key,
          extensions: added.map((name) => ({
            name,
            in: 'header',
            required: false,
            type: 'string',
            format: undefined,
            minimum: undefined,
            maximum: undefined,
            default: undefined,
          })),
        });
        expect({ key, params: ours.filter((p: Json) => !extensions.includes(p)) }).toEqual({
          key,
          params: (op.parameters ?? []).map((p: Json) => param(ref, p)),
        });
      }
    });

    it('documents every response code the reference does (and the 404s the service really returns)', () => {
      for (const { key, op } of operations(ref)) {
        const ours = operations(doc).find((o) => o.key === key)!.op;
        expect({ key, codes: Object.keys(ours.responses) }).toEqual({
          key,
          codes: expect.arrayContaining(Object.keys(op.responses)),
        });
      }
      // SailPoint's spec omits 404 on DELETE, but a missing id does return 404 there.
      for (const [path, item] of Object.entries<Json>(doc.paths)) {
        if (item.delete)
          expect({ path, codes: Object.keys(item.delete.responses) }).toEqual({
            path,
            codes: expect.arrayContaining(['404']),
          });
      }
    });

    it('has the same request and response body schemas (properties and types)', () => {
      for (const { key, op } of operations(ref)) {
        const ours = operations(doc).find((o) => o.key === key)!.op;
        const body = (root: Json, o: Json) => shape(root, o.requestBody?.content?.['application/json']?.schema);
        expect({ key, request: body(doc, ours) }).toEqual({ key, request: body(ref, op) });
        for (const code of Object.keys(op.responses)) {
          const resp = (root: Json, o: Json) =>
            shape(root, deref(root, o.responses[code])?.content?.['application/json']?.schema);
          const theirs = resp(ref, op);
          expect({ key, code, schema: relax(resp(doc, ours), theirs) }).toEqual({ key, code, schema: theirs });
        }
      }
    });

    it('declares the same user level as the reference', () => {
      for (const { key, op } of operations(ref)) {
        const ours = operations(doc).find((o) => o.key === key)!.op;
        expect({ key, levels: ours['x-sailpoint-userLevels'] }).toEqual({ key, levels: op['x-sailpoint-userLevels'] });
      }
    });
  });
});
