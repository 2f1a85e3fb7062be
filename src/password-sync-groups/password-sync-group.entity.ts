import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One password sync group of one tenant.
 *
 * Timestamps are stored as ISO-8601 UTC strings (`2026-11-21T04:00:00.000Z`): the same
 * representation on SQLite and PostgreSQL, millisecond-exact, and ordered correctly as text.
 * `nameKey` is the lower-cased name; the unique index on (tenantId, nameKey) makes names
 * unique per tenant case-insensitively on every database. Its sources are
 * `PasswordSyncGroupSource` rows (which point here; no inverse side: nothing loads a group's
 * sources through TypeORM, and one direction keeps the two files free of an import cycle).
 */
@Entity({ name: 'password_sync_group' })
@Index('UQ_password_sync_group_tenant_name', ['tenantId', 'nameKey'], { unique: true })
@Index('IDX_password_sync_group_tenant_created_id', ['tenantId', 'created', 'id'])
// Counting a tenant's groups (count=true) reads only this narrow index (deduplicated on PostgreSQL).
@Index('IDX_password_sync_group_tenant', ['tenantId'])
export class PasswordSyncGroup {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 255 })
  tenantId: string;

  @Column({ type: 'varchar', length: 255 })
  name: string;

  @Column({ name: 'name_key', type: 'varchar', length: 255 })
  nameKey: string;

  @Column({ name: 'password_policy_id', type: 'varchar', length: 128 })
  passwordPolicyId: string;

  @Column({ type: 'varchar', length: 24 })
  created: string;

  @Column({ type: 'varchar', length: 24 })
  modified: string;

  /** Incremented on every update; the basis for optimistic concurrency. */
  @Column({ type: 'integer', default: 1 })
  version: number;
}
