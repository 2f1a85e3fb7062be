import { Injectable } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { placeholdersFor, UnitOfWork, type Transaction } from '../common/database/unit-of-work';
import type { Page } from '../common/pagination/paging-query';
import type { PatRecord } from './dto/personal-access-token.dto';
import { PatNameTakenError } from './personal-access-tokens.errors';

/** A row as both drivers return it (SQLite gives booleans as 0/1). */
interface PatRow {
  id: string;
  tenant_id: string;
  owner_id: string;
  owner_name: string;
  name: string;
  scopes: string;
  authorities: string;
  access_token_validity_seconds: number;
  expiration_date: string | null;
  user_aware_token_never_expires: boolean | number;
  created: string;
  last_used: string | null;
  total?: string | number;
}

const COLUMNS =
  'id, tenant_id, owner_id, owner_name, name, scopes, authorities, access_token_validity_seconds, ' +
  'expiration_date, user_aware_token_never_expires, created, last_used';

function recordOf(row: PatRow): PatRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    ownerId: row.owner_id,
    ownerName: row.owner_name,
    name: row.name,
    scopes: JSON.parse(row.scopes) as string[],
    authorities: JSON.parse(row.authorities) as string[],
    accessTokenValiditySeconds: Number(row.access_token_validity_seconds),
    expirationDate: row.expiration_date,
    userAwareTokenNeverExpires: row.user_aware_token_never_expires === true || row.user_aware_token_never_expires === 1,
    created: row.created,
    lastUsed: row.last_used,
  };
}

/** What a PATCH may change. */
export type PatChanges = Pick<PatRecord, 'name' | 'scopes' | 'expirationDate' | 'userAwareTokenNeverExpires'>;

/** One PAT of one tenant. */
export interface PatKey {
  tenantId: string;
  id: string;
}

/**
 * The statements of one write transaction (see `PersonalAccessTokensRepository.write`). A name
 * its owner already uses is a `PatNameTakenError`, thrown inside the transaction.
 */
export interface PatWrites {
  insert(args: { record: PatRecord; secretHash: string }): Promise<void>;
  /** The stored PAT as this transaction sees it (locked until commit on PostgreSQL); undefined when there is none. */
  current(key: PatKey): Promise<PatRecord | undefined>;
  /** Stores what a PATCH changed, on a PAT `current` returned in this transaction. */
  update(args: PatKey & { changes: PatChanges }): Promise<void>;
  /** Deletes a PAT `current` returned in this transaction (so it exists, and stays until commit). */
  delete(key: PatKey): Promise<void>;
}

/** What `/oauth/token` needs to check a client secret and mint a token. */
export interface PatCredentials {
  record: PatRecord;
  secretHash: string;
}

/**
 * The only place that knows how PATs are stored: SQL per dialect, row ↔ record mapping, and
 * driver errors turned into the feature's errors. Every method but the two the token
 * endpoint uses is scoped by tenant, so another tenant's PAT is a missing one. Creates, patches
 * and deletes run in `write`'s transaction (with their audit event); `touchLastUsed` is not a
 * change anyone made and runs on its own.
 */
@Injectable()
export class PersonalAccessTokensRepository {
  private readonly pg: boolean;

  constructor(private readonly uow: UnitOfWork) {
    this.pg = uow.dialect === 'postgres';
  }

  /** `?` placeholders, numbered for PostgreSQL. */
  private sql(text: string): string {
    return placeholdersFor(this.uow.dialect, text);
  }

  private bool(value: boolean): boolean | number {
    return this.pg ? value : value ? 1 : 0;
  }

  /** Oldest first (`created`, then `id`), so paging never skips or repeats. */
  async list(args: {
    tenantId: string;
    ownerId?: string;
    /** SailPoint's `filters` on lastUsed: never used, or used at or before a time. */
    lastUsed?: { isNull: true } | { atOrBefore: string };
    limit: number;
    offset: number;
    withTotal: boolean;
  }): Promise<Page<PatRecord>> {
    const { tenantId, ownerId, lastUsed, limit, offset, withTotal } = args;
    let where = 'tenant_id = ?';
    const params: unknown[] = [tenantId];
    if (ownerId !== undefined) {
      where += ' AND owner_id = ?';
      params.push(ownerId);
    }
    if (lastUsed && 'isNull' in lastUsed) where += ' AND last_used IS NULL';
    else if (lastUsed) {
      // ISO-8601 UTC text with milliseconds orders as time.
      where += ' AND last_used <= ?';
      params.push(lastUsed.atOrBefore);
    }
    const rows =
      limit === 0
        ? []
        : await this.uow.query<PatRow>(
            this.sql(
              `SELECT ${COLUMNS} FROM personal_access_token WHERE ${where} ORDER BY created, id LIMIT ? OFFSET ?`,
            ),
            [...params, limit, offset],
          );
    let total: number | undefined;
    if (withTotal) {
      const [count] = await this.uow.query<{ total: string | number }>(
        this.sql(`SELECT COUNT(*) AS total FROM personal_access_token WHERE ${where}`),
        params,
      );
      total = Number(count.total);
    }
    return { items: rows.map(recordOf), total };
  }

  /** By client id alone, for `/oauth/token` (the id is unique across tenants). */
  async findCredentials(args: { id: string }): Promise<PatCredentials | undefined> {
    const [row] = await this.uow.query<PatRow & { secret_hash: string }>(
      this.sql(`SELECT ${COLUMNS}, secret_hash FROM personal_access_token WHERE id = ?`),
      [args.id],
    );
    return row && { record: recordOf(row), secretHash: row.secret_hash };
  }

  /** Whether a PAT still exists, and until when it is valid: the revocation check's question. */
  async expiryOf(args: { tenantId: string; id: string }): Promise<{ expirationDate: string | null } | undefined> {
    const [row] = await this.uow.query<{ expiration_date: string | null }>(
      this.sql('SELECT expiration_date FROM personal_access_token WHERE tenant_id = ? AND id = ?'),
      [args.tenantId, args.id],
    );
    return row && { expirationDate: row.expiration_date };
  }

  /**
   * Runs `work` in one write transaction (UnitOfWork.write), with this feature's statements and
   * the transaction itself (for the audit trail): all of it commits, or none of it.
   */
  write<T>(work: (writes: PatWrites, tx: Transaction) => Promise<T>): Promise<T> {
    return this.uow.write((tx) => work(this.writesOn(tx), tx));
  }

  private writesOn(m: Transaction): PatWrites {
    return {
      insert: async ({ record: r, secretHash }) => {
        await this.uniqueName(r.name, () =>
          m.query(
            this.sql(
              `INSERT INTO personal_access_token (${COLUMNS}, secret_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            ),
            [
              r.id,
              r.tenantId,
              r.ownerId,
              r.ownerName,
              r.name,
              JSON.stringify(r.scopes),
              JSON.stringify(r.authorities),
              r.accessTokenValiditySeconds,
              r.expirationDate,
              this.bool(r.userAwareTokenNeverExpires),
              r.created,
              r.lastUsed,
              secretHash,
            ],
          ),
        );
      },
      current: async ({ tenantId, id }) => {
        const [row] = await m.query<PatRow[]>(
          this.sql(
            `SELECT ${COLUMNS} FROM personal_access_token WHERE tenant_id = ? AND id = ?${this.pg ? ' FOR UPDATE' : ''}`,
          ),
          [tenantId, id],
        );
        return row && recordOf(row);
      },
      update: async ({ tenantId, id, changes: c }) => {
        await this.uniqueName(c.name, () =>
          m.query(
            this.sql(
              'UPDATE personal_access_token SET name = ?, scopes = ?, expiration_date = ?, user_aware_token_never_expires = ? ' +
                'WHERE tenant_id = ? AND id = ?',
            ),
            [c.name, JSON.stringify(c.scopes), c.expirationDate, this.bool(c.userAwareTokenNeverExpires), tenantId, id],
          ),
        );
      },
      delete: async ({ tenantId, id }) => {
        await m.query(this.sql('DELETE FROM personal_access_token WHERE tenant_id = ? AND id = ?'), [tenantId, id]);
      },
    };
  }

  /** `lastUsed`, written at most once a day per PAT (SailPoint's granularity), so minting stays one read. */
  async touchLastUsed(args: { id: string; at: string; notSince: string }): Promise<void> {
    await this.uow.query(
      this.sql(
        'UPDATE personal_access_token SET last_used = ? WHERE id = ? AND (last_used IS NULL OR last_used < ?) RETURNING id',
      ),
      [args.at, args.id, args.notSince],
    );
  }

  /**
   * A name taken by the same owner, found by the unique index (also under a concurrent race).
   * Thrown inside the transaction, so it rolls back with everything else it wrote.
   */
  private async uniqueName<T>(name: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (isUniqueViolation(err)) throw new PatNameTakenError(name);
      throw err;
    }
  }
}

function isUniqueViolation(err: unknown): boolean {
  if (!(err instanceof QueryFailedError)) return false;
  const code = (err.driverError as { code?: string } | undefined)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
