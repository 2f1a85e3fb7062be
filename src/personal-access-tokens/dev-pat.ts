import type { INestApplication } from '@nestjs/common';
import { readFileSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEV_TOKEN_DEFAULTS } from '../common/auth/dev-token';
import { systemActor } from '../common/auth/principal.decorator';
import type { AppConfig } from '../config/app-config';
import { PAT_ID, PatSecretHasher } from './pat-secrets';
import { PersonalAccessTokensRepository } from './personal-access-tokens.repository';
import { PersonalAccessTokensService } from './personal-access-tokens.service';

export const DEV_PAT_FILE = 'dev-pat';
export const DEV_PAT_NAME = 'Development PAT';
/** The audit trail's `clientId` for what `ensureDevPat` creates and deletes (see `systemActor`). */
export const DEV_PAT_ACTOR = 'npm-start';

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

/**
 * Development only: the personal access token `npm start` prints as SAIL_CLIENT_ID /
 * SAIL_CLIENT_SECRET, so SailPoint's SDK and CLI work against a fresh clone with nothing to
 * mint by hand. Made on first start for the development user (the one of the printed dev
 * token: tenant "dev", "dev-admin", ORG_ADMIN, sp:scopes:all; it never expires), its secret
 * kept in DATA_DIR/dev-pat with mode 0600 like the development JWT secret. Later starts reuse
 * it while it still exists and the secret still matches (it may have been deleted through the
 * API, or JWT_SECRET changed); otherwise a new one replaces it. Undefined where the service
 * cannot sign tokens. Both go through PersonalAccessTokensService, so the audit trail has them
 * (actor: `systemActor(tenant, DEV_PAT_ACTOR)`).
 */
export async function ensureDevPat(app: INestApplication, config: AppConfig): Promise<ClientCredentials | undefined> {
  const hasher = PatSecretHasher.of(config);
  if (!hasher) return undefined;
  const tokens = app.get(PersonalAccessTokensService);
  const file = join(config.dataDir, DEV_PAT_FILE);
  const kept = readKept(file);
  if (kept) {
    const found = await app.get(PersonalAccessTokensRepository).findCredentials({ id: kept.clientId });
    if (found && hasher.matches(kept.clientSecret, found.secretHash)) return kept;
    // Gone or stale: its name is free again for the new one.
    if (found) await tokens.removeAsOperator(systemActor(found.record.tenantId, DEV_PAT_ACTOR), found.record.id);
  }
  const d = DEV_TOKEN_DEFAULTS;
  const developer = {
    tenantId: d.tenant,
    clientId: d.clientId,
    identityId: d.identityId,
    userName: d.userName,
    authorities: new Set(d.authorities),
    scopes: new Set(d.scopes),
  };
  const created = await tokens.create(developer, systemActor(d.tenant, DEV_PAT_ACTOR), {
    name: `${DEV_PAT_NAME} ${new Date().toISOString()}`,
    scope: d.scopes,
    userAwareTokenNeverExpires: true,
  });
  const credentials = { clientId: created.id, clientSecret: created.secret };
  mkdirSync(config.dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify(credentials) + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return credentials;
}

function readKept(file: string): ClientCredentials | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<ClientCredentials>;
    if (
      typeof parsed.clientId === 'string' &&
      PAT_ID.test(parsed.clientId) &&
      typeof parsed.clientSecret === 'string'
    ) {
      return { clientId: parsed.clientId, clientSecret: parsed.clientSecret };
    }
  } catch {
    // Missing or unreadable: a new one is made.
  }
  return undefined;
}
