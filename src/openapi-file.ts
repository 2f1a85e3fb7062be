import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from './app.factory';
import { loadConfig } from './config/app-config';
import { buildOpenApiDocument } from './common/swagger/swagger-setup';

/** The committed document's exact text: what `npm run openapi` writes and the staleness test compares. */
export async function generateOpenApiJson(): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'psg-openapi-'));
  try {
    const app = await createApp(
      loadConfig({
        DATA_DIR: dataDir,
        DATABASE_URL: 'sqlite::memory:',
        JWT_SECRET: randomBytes(32).toString('hex'),
        LOG_LEVEL: 'silent',
      }),
    );
    try {
      return JSON.stringify(buildOpenApiDocument(app), null, 2) + '\n';
    } finally {
      await app.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
