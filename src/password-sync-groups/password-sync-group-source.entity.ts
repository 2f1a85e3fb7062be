import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { PasswordSyncGroup } from './password-sync-group.entity';

/**
 * Membership of one source in one group. The primary key (tenantId, sourceId) is the
 * database's guarantee that a source belongs to at most one sync group per tenant.
 * `position` keeps `sourceIds` in the order the client sent them.
 */
@Entity({ name: 'password_sync_group_source' })
// A group's sources in order, from the index alone: serves reading a page of groups, replacing
// their sources, and the foreign key's cascade (which needs group_id first). tenant_id must not lead:
// SQLite's planner then scanned a tenant's sources for the uniqueness checks instead of using the key.
@Index('IDX_password_sync_group_source_group_sources', ['groupId', 'tenantId', 'position', 'sourceId'])
export class PasswordSyncGroupSource {
  @PrimaryColumn({ name: 'tenant_id', type: 'varchar', length: 255 })
  tenantId: string;

  @PrimaryColumn({ name: 'source_id', type: 'varchar', length: 128 })
  sourceId: string;

  @Column({ name: 'group_id', type: 'varchar', length: 36 })
  groupId: string;

  @Column({ type: 'integer' })
  position: number;

  @ManyToOne(() => PasswordSyncGroup, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'group_id' })
  group?: PasswordSyncGroup;
}
