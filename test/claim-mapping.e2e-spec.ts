import { JwksServer, ecKey, rsaKey, signWith } from './support/identity-provider';
import { VALID_BODY, forbiddenBody, useTestApp } from './support/test-app';

const API = '/v3/password-sync-groups';
const unauthorized = (reason: string) => ({ error: `JWT validation failed: ${reason}` });

/** Claim names differ per identity provider; JWT_*_CLAIM map them (dot paths reach nested claims). */
describe('claim names of other identity providers', () => {
  const keycloakKey = rsaKey('kc-1');
  const auth0Key = ecKey('a0-1');
  let idp: JwksServer;
  beforeAll(async () => {
    idp = await new JwksServer().start([keycloakKey, auth0Key]);
  });
  afterAll(async () => {
    await idp?.stop();
  });

  describe('Keycloak: roles in realm_access.roles, tenant in a custom claim, client in azp', () => {
    const t = useTestApp('sqlite', () => ({
      JWT_SECRET: '',
      JWT_JWKS_URI: idp.uri,
      JWT_TENANT_CLAIM: 'org.tenant',
      JWT_AUTHORITIES_CLAIM: 'realm_access.roles',
      JWT_CLIENT_CLAIM: 'azp',
      JWT_USER_CLAIM: 'sub',
    }));

    /** A Keycloak access token (trimmed to what matters): scope is a space-separated string. */
    const keycloakToken = (roles: string[], scope = 'openid profile sp:scopes:all') =>
      signWith(keycloakKey, {
        sub: 'f3b0c1d2-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
        azp: 'psg-admin-ui',
        typ: 'Bearer',
        org: { tenant: 'keycloak-tenant' },
        realm_access: { roles },
        resource_access: { account: { roles: ['manage-account'] } },
        scope,
        preferred_username: 'alice',
      });

    it('a user with the ORG_ADMIN realm role creates a group in the tenant its token names', async () => {
      const res = await t
        .http()
        .post(API)
        .set('Authorization', `Bearer ${keycloakToken(['offline_access', 'ORG_ADMIN'])}`)
        .send(VALID_BODY);
      expect(res.status).toBe(200);
      expect(res.body.name).toBe(VALID_BODY.name);
      const rows = await t.dataSource.query('SELECT tenant_id, name FROM password_sync_group');
      expect(rows).toEqual([{ tenant_id: 'keycloak-tenant', name: VALID_BODY.name }]);
      const list = await t
        .http()
        .get(API)
        .set('Authorization', `Bearer ${keycloakToken(['ORG_ADMIN'])}`);
      expect(list.body).toEqual([res.body]);
    });

    it('without the role: 403 naming the missing authority; without the scope: 403 naming it', async () => {
      const noRole = await t
        .http()
        .get(API)
        .set('Authorization', `Bearer ${keycloakToken(['offline_access'])}`);
      expect(noRole.status).toBe(403);
      expect(noRole.body).toEqual(
        forbiddenBody(noRole.headers['x-tracking-id'], [
          'The token lacks the required user level (authority) ORG_ADMIN.',
        ]),
      );
      const noScope = await t
        .http()
        .get(API)
        .set('Authorization', `Bearer ${keycloakToken(['ORG_ADMIN'], 'openid profile')}`);
      expect(noScope.status).toBe(403);
      expect(noScope.body.causes).toHaveLength(1);
      expect(noScope.body.causes[0].text).toMatch(/^The token lacks a required scope: one of /);
    });

    it('a token without the tenant claim is a 401 (no DEFAULT_TENANT set)', async () => {
      const token = signWith(keycloakKey, { sub: 'u', realm_access: { roles: ['ORG_ADMIN'] }, scope: 'sp:scopes:all' });
      const res = await t.http().get(API).set('Authorization', `Bearer ${token}`);
      expect(res.status).toBe(401);
      expect(res.body).toEqual(unauthorized('JWT has no tenant'));
    });
  });

  describe('Auth0: permissions array, a namespaced tenant claim, DEFAULT_TENANT for tokens without one', () => {
    const t = useTestApp('sqlite', () => ({
      JWT_SECRET: '',
      JWT_JWKS_URI: idp.uri,
      // Auth0 custom claims are namespaced by a URL: the whole name (dots and all) is matched first.
      JWT_TENANT_CLAIM: 'https://psg.example.com/tenant',
      JWT_AUTHORITIES_CLAIM: 'permissions',
      JWT_CLIENT_CLAIM: 'azp',
      JWT_USER_CLAIM: 'https://psg.example.com/identity',
      DEFAULT_TENANT: 'default-tenant',
    }));

    const auth0Token = (claims: Record<string, unknown>) =>
      signWith(auth0Key, {
        iss: 'https://acme.eu.auth0.com/',
        azp: 'm2m-client',
        permissions: ['ORG_ADMIN'],
        scope: 'sp:scopes:all',
        ...claims,
      });

    it('a user token (with the identity claim) writes into the namespaced tenant', async () => {
      const token = auth0Token({
        sub: 'auth0|123',
        'https://psg.example.com/tenant': 'auth0-tenant',
        'https://psg.example.com/identity': 'id-123',
      });
      const res = await t
        .http()
        .post(API)
        .set('Authorization', `Bearer ${token}`)
        .send({ ...VALID_BODY, name: 'Auth0 group' });
      expect(res.status).toBe(200);
      const rows = await t.dataSource.query("SELECT tenant_id FROM password_sync_group WHERE name = 'Auth0 group'");
      expect(rows).toEqual([{ tenant_id: 'auth0-tenant' }]);
    });

    it('a machine-to-machine token (no identity claim) may read but not write', async () => {
      const token = auth0Token({
        sub: 'm2m-client@clients',
        gty: 'client-credentials',
        'https://psg.example.com/tenant': 'auth0-tenant',
      });
      const read = await t.http().get(API).set('Authorization', `Bearer ${token}`);
      expect(read.status).toBe(200);
      expect(read.body.map((g: { name: string }) => g.name)).toEqual(['Auth0 group']);
      const write = await t
        .http()
        .post(API)
        .set('Authorization', `Bearer ${token}`)
        .send({ ...VALID_BODY, name: 'M2M' });
      expect(write.status).toBe(403);
      expect(write.body.causes.map((c: { text: string }) => c.text)).toEqual([
        'This operation requires a user token (one with identity_id); application tokens cannot use it.',
      ]);
    });

    it('a token without a tenant claim lands in DEFAULT_TENANT, isolated from the others', async () => {
      const token = auth0Token({ sub: 'auth0|456', 'https://psg.example.com/identity': 'id-456' });
      const res = await t
        .http()
        .post(API)
        .set('Authorization', `Bearer ${token}`)
        .send({ ...VALID_BODY, name: 'Default tenant group' });
      expect(res.status).toBe(200);
      const rows = await t.dataSource.query('SELECT tenant_id, name FROM password_sync_group ORDER BY name');
      expect(rows).toEqual([
        { tenant_id: 'auth0-tenant', name: 'Auth0 group' },
        { tenant_id: 'default-tenant', name: 'Default tenant group' },
      ]);
      const list = await t.http().get(API).set('Authorization', `Bearer ${token}`);
      expect(list.body.map((g: { name: string }) => g.name)).toEqual(['Default tenant group']);
    });

    it('SailPoint-named claims mean nothing under this mapping', async () => {
      const token = signWith(auth0Key, {
        sub: 'x',
        tenant_id: 'acme',
        identity_id: 'me',
        authorities: ['ORG_ADMIN'],
        scope: 'sp:scopes:all',
      });
      const res = await t.http().get(API).set('Authorization', `Bearer ${token}`);
      expect(res.status).toBe(403);
      expect(res.body.causes.map((c: { text: string }) => c.text)).toEqual([
        'The token lacks the required user level (authority) ORG_ADMIN.',
      ]);
    });
  });
});
