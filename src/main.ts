import { createApp } from './app.factory';
import { ConfigError, loadConfig } from './config/app-config';
import { DOCS_PATH } from './common/swagger/swagger-setup';

async function bootstrap(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\nSee .env.example for every variable and its meaning.\n`);
      process.exit(1);
    }
    throw err;
  }
  const app = await createApp(config);
  await app.listen({ port: config.port, host: config.host });
  const base = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}`;
  const db = config.database.type === 'sqlite' ? `SQLite at ${config.database.database}` : 'PostgreSQL';
  process.stdout.write(
    [
      `Password Sync Groups API listening on ${base} (${db})`,
      `  API:   ${base}/password-sync-groups (also under /v3, /beta, /v2024, /v2025, /v2026)`,
      `  Docs:  ${base}/${DOCS_PATH}`,
      `  Token: npm run token   (mints a development JWT the service accepts; see README)`,
      '',
    ].join('\n'),
  );
}

void bootstrap();
