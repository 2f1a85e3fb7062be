import { existsSync } from 'node:fs';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { buildDataSourceOptions } from '../database/typeorm-options';
import { selectAuditEvents, type AuditQuery } from './audit-events.repository';
import type { AuditEvent } from './audit-event';

export type { AuditQuery } from './audit-events.repository';

/**
 * Reads one tenant's audit events, oldest first, from the database the service with this
 * configuration uses (for `npm run audit`). It runs no migrations and changes nothing.
 */
export async function readAuditEvents(config: AppConfig, query: AuditQuery): Promise<AuditEvent[]> {
  if (config.database.type === 'sqlite' && !existsSync(config.database.database)) {
    throw new Error(`There is no database at ${config.database.database} (is DATA_DIR/DATABASE_URL right?)`);
  }
  const dataSource = new DataSource({ ...buildDataSourceOptions({ ...config, migrationsRun: false }), entities: [] });
  await dataSource.initialize();
  try {
    return await selectAuditEvents(dataSource, query);
  } finally {
    await dataSource.destroy();
  }
}
