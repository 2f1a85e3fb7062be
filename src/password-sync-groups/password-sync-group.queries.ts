import type { SqlDialect } from '../common/database/unit-of-work';
import type { PasswordSyncGroup } from './password-sync-group.entity';

/** The columns of a group that reads return (entity property names). */
export type GroupRow = Pick<PasswordSyncGroup, 'id' | 'name' | 'passwordPolicyId' | 'created' | 'modified' | 'version'>;

/** One source of a group, as the sources query returns it. */
export interface SourceRow {
  groupId: string;
  sourceId: string;
}

/** What the uniqueness check finds: a source of the request that another group already holds. */
export interface SourceHolderRow {
  sourceId: string;
  groupId: string;
  groupName: string;
}

/**
 * Every statement the service runs, as plain SQL written once per dialect when the service
 * starts. TypeORM's query builder and repository methods rebuilt the same SQL on every
 * request and hydrated entities only for the service to copy them into views: about a third
 * of a GET's CPU time and half of a create's (docs/performance.md). TypeORM still owns the
 * schema (entities, migrations), connections and transactions.
 *
 * Parameters are positional (`?` here, `$n` on PostgreSQL). Lists of values are ONE
 * parameter (see `idList`), so each statement's text, and its prepared form, is constant.
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

  /** (id, tenantId, name, nameKey, passwordPolicyId, created, modified): a new group at version 1. */
  readonly insertGroup: string;
  /** (tenantId, sourceId, groupId, position) × n: a group's n sources, one statement per n (cached). */
  readonly insertSources: (n: number) => string;
  /** (tenantId, nameKey, exceptId) → [{ id }]: a group that holds this name (pass '' to except none). */
  readonly nameHolder: string;
  /** (tenantId, sourceIds as `idList`, exceptGroupId) → SourceHolderRow[]: sources another group holds. */
  readonly sourceHolders: string;
  /** (tenantId, id) → [{ created, modified, version }] of the claimed row: bumps the version (locks it on PostgreSQL). */
  readonly claimForUpdate: string;
  /** (tenantId, id, versions as `versionList`) → as claimForUpdate, only when the version is one of them. */
  readonly claimForUpdateIf: string;
  /** (tenantId, id) → [{ id }] of the deleted group row. */
  readonly claimForDelete: string;
  /** (tenantId, id, versions as `versionList`) → as claimForDelete, only when the version is one of them. */
  readonly claimForDeleteIf: string;
  /** (tenantId, id) → [{ version }]: why a claim touched nothing (no row, or another version). */
  readonly versionOf: string;
  /** (name, nameKey, passwordPolicyId, modified, tenantId, id). */
  readonly updateGroup: string;
  /** (tenantId, groupId). */
  readonly deleteSources: string;
  /** One parameter for a list of versions, as `idList`. */
  readonly versionList: (versions: readonly number[]) => unknown;

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
    this.versionList = dialect === 'postgres' ? (list) => list : (list) => JSON.stringify(list);
    const versions = dialect === 'postgres' ? `= ANY(?::int[])` : `IN (SELECT value FROM json_each(?))`;

    this.insertGroup = sql(
      `INSERT INTO password_sync_group (id, tenant_id, name, name_key, password_policy_id, created, modified, version) ` +
        `VALUES (?, ?, ?, ?, ?, ?, ?, 1)`,
    );
    const inserts = new Map<number, string>();
    this.insertSources = (n) => {
      let text = inserts.get(n);
      if (text === undefined) {
        text = sql(
          `INSERT INTO password_sync_group_source (tenant_id, source_id, group_id, position) VALUES ` +
            Array<string>(n).fill('(?, ?, ?, ?)').join(', '),
        );
        inserts.set(n, text);
      }
      return text;
    };
    this.nameHolder = sql(
      `SELECT id FROM password_sync_group WHERE tenant_id = ? AND name_key = ? AND id <> ? LIMIT 1`,
    );
    this.sourceHolders = sql(
      `SELECT s.source_id AS "sourceId", g.id AS "groupId", g.name AS "groupName" ` +
        `FROM password_sync_group_source s JOIN password_sync_group g ON g.id = s.group_id ` +
        `WHERE s.tenant_id = ? AND s.source_id ${ids} AND s.group_id <> ?`,
    );
    const claimUpdate = `UPDATE password_sync_group SET version = version + 1 WHERE tenant_id = ? AND id = ?`;
    const claimDelete = `DELETE FROM password_sync_group WHERE tenant_id = ? AND id = ?`;
    this.claimForUpdate = sql(`${claimUpdate} RETURNING created, modified, version`);
    this.claimForUpdateIf = sql(`${claimUpdate} AND version ${versions} RETURNING created, modified, version`);
    this.claimForDelete = sql(`${claimDelete} RETURNING id`);
    this.claimForDeleteIf = sql(`${claimDelete} AND version ${versions} RETURNING id`);
    this.versionOf = sql(`SELECT version FROM password_sync_group WHERE tenant_id = ? AND id = ?`);
    this.updateGroup = sql(
      `UPDATE password_sync_group SET name = ?, name_key = ?, password_policy_id = ?, modified = ? WHERE tenant_id = ? AND id = ?`,
    );
    this.deleteSources = sql(`DELETE FROM password_sync_group_source WHERE tenant_id = ? AND group_id = ?`);
  }
}

/** `?` placeholders → `$1`, `$2`, … (the SQL here has no `?` inside literals). */
function numbered(text: string): string {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
}
