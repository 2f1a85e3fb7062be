import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { PasswordSyncGroup } from './password-sync-group.entity';

/**
 * Membership of one source in one group. The primary key (tenantId, sourceId) is the
 * database's guarantee that a source belongs to at most one sync group per tenant.
 * `position` keeps `sourceIds` in the order the client sent them.
 */
@Entity({ name: 'password_sync_group_source' })
@Index('IDX_password_sync_group_source_group', ['groupId', 'position'])
// The sources of a page of groups, in order, from the index alone (without it SQLite scanned all
// of the tenant's sources and sorted them).
@Index('IDX_password_sync_group_source_tenant_group', ['tenantId', 'groupId', 'position', 'sourceId'])
export class PasswordSyncGroupSource {
  @PrimaryColumn({ name: 'tenant_id', type: 'varchar', length: 255 })
  tenantId: string;

  @PrimaryColumn({ name: 'source_id', type: 'varchar', length: 128 })
  sourceId: string;

  @Column({ name: 'group_id', type: 'varchar', length: 36 })
  groupId: string;

  @Column({ type: 'integer' })
  position: number;

  @ManyToOne(() => PasswordSyncGroup, (group) => group.sources, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'group_id' })
  group?: PasswordSyncGroup;
}
