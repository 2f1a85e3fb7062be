import { execFile } from 'node:child_process';
import { createSecretKey, randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decode } from 'jsonwebtoken';
import { mintToken } from '../src/common/auth/dev-token';
import { DEV_SECRET_FILE } from '../src/common/auth/signing-key';
import { VALID_BODY, useTestApp } from './support/test-app';

const run = promisify(execFile);

/** `npm run token`, exactly as a user types it, against a service using the generated dev secret. */
describe('development signing: generated secret and npm run token', () => {
  const t = useTestApp('sqlite', { JWT_SECRET: '' }); // empty = unset: generate the dev secret

  const npmToken = async (...args: string[]) => {
    const env = { ...process.env, DATA_DIR: t.config.dataDir, JWT_SECRET: '' };
    const { stdout } = await run('npm', ['run', 'token', ...(args.length ? ['--', ...args] : [])], {
      cwd: join(__dirname, '..'),
      env,
    });
    return stdout;
  };

  it('keeps the generated secret in the data directory with mode 0600', () => {
    const mode = statSync(join(t.config.dataDir, DEV_SECRET_FILE)).mode & 0o777;
    expect(mode.toString(8)).toBe('600');
  });

  it('prints only a token, with every flag applied, that the service accepts', async () => {
    const stdout = await npmToken(
      '--tenant',
      'acme',
      '--authorities',
      'ORG_ADMIN',
      '--scopes',
      'sp:scopes:all',
      '--client-id',
      'cli',
      '--identity-id',
      'me',
      '--expires-in',
      '3600',
    );
    expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const token = stdout.trim();
    const claims = decode(token) as Record<string, unknown>;
    expect(claims).toMatchObject({
      tenant_id: 'acme',
      authorities: ['ORG_ADMIN'],
      scope: ['sp:scopes:all'],
      client_id: 'cli',
      identity_id: 'me',
    });
    expect((claims.exp as number) - (claims.iat as number)).toBe(3600);
    const res = await t.http().post('/password-sync-groups').set('Authorization', `Bearer ${token}`).send(VALID_BODY);
    expect(res.status).toBe(200);
  }, 60_000);

  it('works with no flags at all (a full-access user token)', async () => {
    const token = (await npmToken()).trim();
    const res = await t.http().get('/password-sync-groups').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
  }, 60_000);

  it('a token signed with another secret is refused', async () => {
    const other = mintToken(createSecretKey(randomBytes(32)), { tenant: 'acme' });
    const res = await t.http().get('/password-sync-groups').set('Authorization', `Bearer ${other}`);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'JWT validation failed: JWT signature is invalid' });
  });
});
