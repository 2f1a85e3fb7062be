import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from './src/config/app-config';
import { buildDataSourceOptions } from './src/database/typeorm-options';

/**
 * The DataSource for the TypeORM CLI (`npm run migration:run`, `migration:generate`).
 * Built by the same function and from the same environment as the app's, so the CLI
 * and the service always agree on the database and the migrations.
 */
const config = loadConfig(process.env, { tokensVerified: false });
// Migrations may legitimately run longer than a request's statement timeout (index builds).
export default new DataSource(
  buildDataSourceOptions({ ...config, migrationsRun: false, pool: { ...config.pool, statementTimeoutMs: 0 } }),
);
