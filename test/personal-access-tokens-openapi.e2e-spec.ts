import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const doc = JSON.parse(readFileSync(join(__dirname, '..', 'openapi.json'), 'utf8')) as Json;
const spec = (version: 'v1' | 'v3') =>
  parse(
    readFileSync(
      join(__dirname, 'fixtures', 'sailpoint', `sailpoint-personal-access-tokens.${version}.openapi.yaml`),
      'utf8',
    ),
  ) as Json;
const METHODS = ['get', 'post', 'patch', 'delete'];
const ops = (d: Json, strip = (p: string) => p) =>
  Object.entries<Json>(d.paths)
    .filter(([path]) => path.startsWith('/personal-access-tokens'))
    .flatMap(([path, item]) =>
      METHODS.filter((m) => item[m]).map((m) => ({ key: `${m} ${strip(path)}`, op: item[m] as Json })),
    );
const schemaOf = (root: Json, node: Json | undefined): Json | undefined => {
  let n = node;
  while (n?.$ref)
    n = n.$ref
      .slice(2)
      .split('/')
      .reduce((acc: Json, k: string) => acc[k], root);
  return n;
};

describe("personal access tokens in the OpenAPI document, against SailPoint's specs (test/fixtures/sailpoint)", () => {
  it("has v3's paths, methods and operationIds in the yearly form, and v1's at the per-service paths", () => {
    const operationIds = (d: Json, perService: boolean) =>
      Object.fromEntries(
        ops(d)
          .filter(({ key }) => key.includes('/personal-access-tokens/v1') === perService)
          .map(({ key, op }) => [key, op.operationId]),
      );
    expect(operationIds(doc, false)).toEqual(operationIds(spec('v3'), false));
    expect(operationIds(doc, true)).toEqual(operationIds(spec('v1'), true));
  });

  it("bodies have v1's properties, required fields and types", () => {
    const v1 = spec('v1');
    const pairs: Array<[string, string]> = [
      ['CreatePersonalAccessTokenRequest', 'createpersonalaccesstokenrequest'],
      ['CreatePersonalAccessTokenResponse', 'createpersonalaccesstokenresponse'],
      ['GetPersonalAccessTokenResponse', 'getpersonalaccesstokenresponse'],
      ['PatOwner', 'patowner'],
    ];
    for (const [ours, theirs] of pairs) {
      const o = doc.components.schemas[ours];
      const t = v1.components.schemas[theirs];
      expect({ ours, properties: Object.keys(o.properties).sort() }).toEqual({
        ours,
        properties: Object.keys(t.properties).sort(),
      });
      expect({ ours, required: [...(o.required ?? [])].sort() }).toEqual({
        ours,
        required: [...(t.required ?? [])].sort(),
      });
      for (const [name, prop] of Object.entries<Json>(t.properties)) {
        const mine = schemaOf(doc, o.properties[name].allOf?.[0] ?? o.properties[name])!;
        expect({ ours, name, type: mine.type ?? 'object' }).toEqual({
          ours,
          name,
          type: schemaOf(v1, prop)!.type ?? 'object',
        });
      }
    }
  });

  it('documents the scopes of each operation, user level Any, and the create/delete user-token rule', () => {
    const v3 = spec('v3');
    for (const { key, op } of ops(v3)) {
      const ours = ops(doc).find((o) => o.key === key)!.op;
      expect({ key, levels: ours['x-sailpoint-userLevels'] }).toEqual({ key, levels: ['Any'] });
      expect({ key, scopes: ours['x-required-scopes'] }).toEqual({
        key,
        scopes: expect.arrayContaining(op.security[0].userAuth),
      });
    }
  });
});
