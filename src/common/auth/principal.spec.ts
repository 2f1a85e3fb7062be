import { principalFromClaims, type Principal, type SailPointClaims } from './principal';

const EXP = Math.floor(Date.now() / 1000) + 3600;

function principal(claims: SailPointClaims): Principal {
  const result = principalFromClaims({ tenant_id: 't1', exp: EXP, ...claims });
  if (typeof result === 'string') throw new Error(`expected a principal, got "${result}"`);
  return result;
}

describe('principalFromClaims', () => {
  it('builds a user principal from a SailPoint claim set', () => {
    const result = principalFromClaims({
      tenant_id: 'acme',
      client_id: 'cli-1',
      sub: 'someone',
      identity_id: 'id-42',
      user_name: 'jane.doe',
      authorities: ['ORG_ADMIN'],
      scope: ['sp:scopes:all'],
      exp: EXP,
    });
    expect(result).toEqual({
      tenantId: 'acme',
      clientId: 'cli-1',
      identityId: 'id-42',
      userName: 'jane.doe',
      authorities: new Set(['ORG_ADMIN']),
      scopes: new Set(['sp:scopes:all']),
    });
  });

  describe('scope', () => {
    it('reads an array', () => {
      expect([...principal({ scope: ['a:read', 'b:manage'] }).scopes]).toEqual(['a:read', 'b:manage']);
    });

    it('reads a space-separated string, ignoring repeated spaces', () => {
      expect([...principal({ scope: 'a:read  b:manage ' }).scopes]).toEqual(['a:read', 'b:manage']);
      expect([...principal({ scope: 'sp:scopes:all' }).scopes]).toEqual(['sp:scopes:all']);
    });

    it('is empty when missing or of another type', () => {
      expect(principal({}).scopes.size).toBe(0);
      expect(principal({ scope: 42 }).scopes.size).toBe(0);
      expect(principal({ scope: { a: 1 } }).scopes.size).toBe(0);
      expect(principal({ scope: '' }).scopes.size).toBe(0);
    });

    it('ignores non-string items in an array', () => {
      expect([...principal({ scope: ['ok', 1, null, { s: 'x' }, ['nested'], true] }).scopes]).toEqual(['ok']);
    });
  });

  describe('authorities', () => {
    it('reads an array, ignoring non-string items', () => {
      expect([...principal({ authorities: ['ORG_ADMIN', 7, undefined, 'HELPDESK'] }).authorities]).toEqual([
        'ORG_ADMIN',
        'HELPDESK',
      ]);
    });

    it('is empty when missing', () => {
      expect(principal({}).authorities.size).toBe(0);
    });

    it('does not leak scopes into authorities or the reverse', () => {
      const p = principal({ authorities: ['ORG_ADMIN'], scope: ['sp:scopes:all'] });
      expect(p.authorities.has('sp:scopes:all')).toBe(false);
      expect(p.scopes.has('ORG_ADMIN')).toBe(false);
    });
  });

  describe('clientId', () => {
    it('is client_id when present', () => {
      expect(principal({ client_id: 'c', sub: 's' }).clientId).toBe('c');
    });

    it('falls back to sub when client_id is missing, empty or not a string', () => {
      expect(principal({ sub: 's' }).clientId).toBe('s');
      expect(principal({ client_id: '', sub: 's' }).clientId).toBe('s');
      expect(principal({ client_id: 12, sub: 's' }).clientId).toBe('s');
    });

    it('is "anonymous" when neither is usable', () => {
      expect(principal({}).clientId).toBe('anonymous');
      expect(principal({ client_id: '', sub: '' }).clientId).toBe('anonymous');
    });
  });

  describe('identity_id / user_name', () => {
    it('are absent for an application token', () => {
      const p = principal({ client_id: 'app' });
      expect(p.identityId).toBeUndefined();
      expect(p.userName).toBeUndefined();
    });

    it('are ignored when empty or not strings', () => {
      const p = principal({ identity_id: '', user_name: 99 });
      expect(p.identityId).toBeUndefined();
      expect(p.userName).toBeUndefined();
    });

    it('are read when present', () => {
      const p = principal({ identity_id: 'id-1', user_name: 'u' });
      expect(p.identityId).toBe('id-1');
      expect(p.userName).toBe('u');
    });
  });

  describe('unusable tokens', () => {
    it.each([
      [{ exp: EXP }],
      [{ tenant_id: '', exp: EXP }],
      [{ tenant_id: 123, exp: EXP }],
      [{ tenant_id: ['acme'], exp: EXP }],
    ])('%j → "JWT has no tenant"', (claims) => {
      expect(principalFromClaims(claims)).toBe('JWT has no tenant');
    });

    it.each([[{ tenant_id: 'acme' }], [{ tenant_id: 'acme', exp: '9999999999' }], [{ tenant_id: 'acme', exp: null }]])(
      '%j → "JWT has no expiry"',
      (claims) => {
        expect(principalFromClaims(claims)).toBe('JWT has no expiry');
      },
    );

    it('reports the missing tenant before the missing expiry', () => {
      expect(principalFromClaims({})).toBe('JWT has no tenant');
    });
  });
});
