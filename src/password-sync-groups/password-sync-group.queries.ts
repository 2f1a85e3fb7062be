import type { SqlDialect } from '../common/database/unit-of-work';
import type { PasswordSyncGroup } from './password-sync-group.entity';

/** The columns of a group that reads return (entity property names). */
export type GroupRow = Pick<PasswordSyncGroup, 'id' | 'name' | 'passwordPolicyId' | 'created' | 'modified' | 'version'>;

/** One source of a group, as the sources query returns it. */
export interface SourceRow {
  groupId: string;
  sourceId: string;
}

/**
 * The read paths (get, list, count, sources of a page) as plain SQL, written once per dialect
 * when the service starts. On these hot paths TypeORM's query builder rebuilt the same SQL on
 * every request and hydrated entities only for the service to copy them into views: about a
 * third of a GET's CPU time (docs/performance.md). Writes keep using the EntityManager.
 *
 * Parameters are positional (`?` here, `$n` on PostgreSQL).
 */
export class GroupQueries {
  /** (tenantId, id) → 0 or 1 GroupRow. */
  readonly byId: string;
  /**
   * (tenantId, limit, offset) → GroupRow[] in list order. The page's ids are picked from the
   * (tenant_id, created, id) index alone, and only those rows are then read: a deep offset
   * skips index entries, not table rows.
   */
  readonly page: string;
  /** (tenantId) → [{ total }]: read from the narrow (tenant_id) index. */
  readonly count: string;
  /** (tenantId, ids) → SourceRow[] ordered by group, then position; pass `ids` through `idList`. */
  readonly sourcesOf: string;
  /** One parameter for a list of ids: an array on PostgreSQL, JSON on SQLite (one statement for any length). */
  readonly idList: (ids: readonly string[]) => unknown;

  constructor(dialect: SqlDialect) {
    const columns = `g.id, g.name, g.password_policy_id AS "passwordPolicyId", g.created, g.modified, g.version`;
    const sql = (text: string) => (dialect === 'postgres' ? numbered(text) : text);
    this.byId = sql(`SELECT ${columns} FROM password_sync_group g WHERE g.tenant_id = ? AND g.id = ?`);
    this.page = sql(
      `SELECT ${columns} FROM password_sync_group g ` +
        `JOIN (SELECT id FROM password_sync_group WHERE tenant_id = ? ORDER BY created, id LIMIT ? OFFSET ?) p ON p.id = g.id ` +
        `ORDER BY g.created, g.id`,
    );
    this.count = sql(`SELECT COUNT(*) AS "total" FROM password_sync_group WHERE tenant_id = ?`);
    const ids = dialect === 'postgres' ? `= ANY(?::varchar[])` : `IN (SELECT value FROM json_each(?))`;
    this.sourcesOf = sql(
      `SELECT group_id AS "groupId", source_id AS "sourceId" FROM password_sync_group_source ` +
        `WHERE tenant_id = ? AND group_id ${ids} ORDER BY group_id, position`,
    );
    this.idList = dialect === 'postgres' ? (list) => list : (list) => JSON.stringify(list);
  }
}

/** `?` placeholders → `$1`, `$2`, … (the SQL here has no `?` inside literals). */
function numbered(text: string): string {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
}
