import { placeholdersFor, type SqlDialect } from '../common/database/sql-dialect';
import type { PasswordSyncGroup } from './password-sync-group.entity';

/** The columns of a group that reads return (entity property names). */
export type GroupRow = Pick<PasswordSyncGroup, 'id' | 'name' | 'passwordPolicyId' | 'created' | 'modified' | 'version'>;

/**
 * A group with its sources as one row: `sourceIds` is a JSON array as text on both databases
 * (see `sourceIdsOf`). `total` only on the list-with-count statement, on every row.
 */
export interface GroupWithSourcesRow extends GroupRow {
  sourceIds: string;
  total?: number | string;
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
 * parameter (see `listParam`), so each statement's text, and its prepared form, is constant.
 */
export class GroupQueries {
  /** (tenantId, id) → 0 or 1 GroupWithSourcesRow. */
  readonly byId: string;
  /**
   * (tenantId, limit, offset) → GroupWithSourcesRow[] in list order. The page's ids are picked
   * from the (tenant_id, created, id) index alone, and only those rows are then read: a deep
   * offset skips index entries, not table rows.
   */
  readonly page: string;
  /**
   * (tenantId, tenantId, limit, offset) → the page as `page` does, each row with the tenant's `total`;
   * an empty page is one row with the total and null group columns. One statement, so the
   * count and the page are one snapshot of the database.
   */
  readonly pageWithTotal: string;
  /** The source ids of a row, in the client's order. */
  readonly sourceIdsOf: (row: GroupWithSourcesRow) => string[];
  /** One parameter for a list of ids or versions: an array on PostgreSQL, JSON on SQLite (one statement for any length). */
  readonly listParam: (list: readonly (string | number)[]) => unknown;

  /** (id, tenantId, name, nameKey, passwordPolicyId, created, modified): a new group at version 1. */
  readonly insertGroup: string;
  /** (tenantId, sourceId, groupId, position) × n: a group's n sources, one statement per n (cached). */
  readonly insertSources: (n: number) => string;
  /** (tenantId, nameKey, exceptId) → [{ id }]: a group that holds this name (pass '' to except none). */
  readonly nameHolder: string;
  /** (tenantId, sourceIds as `listParam`, exceptGroupId) → SourceHolderRow[]: sources another group holds. */
  readonly sourceHolders: string;
  /** (tenantId, id) → [{ created, modified, version }] of the claimed row: bumps the version (locks it on PostgreSQL). */
  readonly claimForUpdate: string;
  /** (tenantId, id, versions as `listParam`) → as claimForUpdate, only when the version is one of them. */
  readonly claimForUpdateIf: string;
  /** (tenantId, id) → [{ id }] of the deleted group row. */
  readonly claimForDelete: string;
  /** (tenantId, id, versions as `listParam`) → as claimForDelete, only when the version is one of them. */
  readonly claimForDeleteIf: string;
  /** (tenantId, id) → [{ version }]: why a claim touched nothing (no row, or another version). */
  readonly versionOf: string;
  /** (name, nameKey, passwordPolicyId, modified, tenantId, id). */
  readonly updateGroup: string;
  /** (tenantId, groupId). */
  readonly deleteSources: string;
  /** (tenantId, id): locks the group row until commit (PostgreSQL; SQLite runs one write at a time, so none). */
  readonly lockGroup: string | undefined;

  constructor(dialect: SqlDialect) {
    const sql = (text: string) => placeholdersFor(dialect, text);
    // A group's sources, in order, read from the (group_id, tenant_id, position, source_id) index alone,
    // as JSON text on both databases. Not a PostgreSQL array: node-postgres parses array text one
    // character at a time, which was a third of everything the service allocated under load; one
    // JSON.parse is native (docs/performance.md, "Memory").
    const sources =
      dialect === 'postgres'
        ? `array_to_json(ARRAY(SELECT s.source_id FROM password_sync_group_source s WHERE s.group_id = g.id AND s.tenant_id = g.tenant_id ORDER BY s.position))::text`
        : `(SELECT json_group_array(s.source_id ORDER BY s.position) FROM password_sync_group_source s WHERE s.group_id = g.id AND s.tenant_id = g.tenant_id)`;
    const columns =
      `g.id, g.name, g.password_policy_id AS "passwordPolicyId", g.created, g.modified, g.version, ` +
      `${sources} AS "sourceIds"`;
    const pageOf =
      `SELECT ${columns} FROM password_sync_group g ` +
      `JOIN (SELECT id FROM password_sync_group WHERE tenant_id = ? ORDER BY created, id LIMIT ? OFFSET ?) p ON p.id = g.id`;
    this.byId = sql(`SELECT ${columns} FROM password_sync_group g WHERE g.tenant_id = ? AND g.id = ?`);
    this.page = sql(`${pageOf} ORDER BY g.created, g.id`);
    this.pageWithTotal = sql(
      `WITH t AS (SELECT COUNT(*) AS total FROM password_sync_group WHERE tenant_id = ?), page AS (${pageOf}) ` +
        `SELECT t.total, page.* FROM t LEFT JOIN page ON 1 = 1 ORDER BY page.created, page.id`,
    );
    this.sourceIdsOf = (row) => JSON.parse(row.sourceIds) as string[];
    const ids = dialect === 'postgres' ? `= ANY(?::varchar[])` : `IN (SELECT value FROM json_each(?))`;
    this.listParam = dialect === 'postgres' ? (list) => list : (list) => JSON.stringify(list);
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
    this.lockGroup =
      dialect === 'postgres'
        ? sql(`SELECT 1 FROM password_sync_group WHERE tenant_id = ? AND id = ? FOR UPDATE`)
        : undefined;
  }
}
