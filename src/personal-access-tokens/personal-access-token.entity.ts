import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One personal access token (PAT) of one tenant. Its id is also the OAuth client id, unique
 * across tenants, so `/oauth/token` finds the PAT (and its tenant) by id alone.
 *
 * The secret itself is never stored: `secretHash` is HMAC-SHA256 of it under a key derived
 * from the service's signing secret (see pat-secrets.ts). `scopes` and `authorities` are JSON
 * arrays; `authorities` are the creator's as they were at creation, so a PAT never grants
 * more than its creator had then. Timestamps are ISO-8601 UTC text, as for password sync groups.
 */
@Entity({ name: 'personal_access_token' })
@Index('UQ_personal_access_token_owner_name', ['tenantId', 'ownerId', 'name'], { unique: true })
@Index('IDX_personal_access_token_tenant_created_id', ['tenantId', 'created', 'id'])
export class PersonalAccessToken {
  @PrimaryColumn({ type: 'varchar', length: 32 })
  id: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 255 })
  tenantId: string;

  @Column({ name: 'owner_id', type: 'varchar', length: 255 })
  ownerId: string;

  @Column({ name: 'owner_name', type: 'varchar', length: 255 })
  ownerName: string;

  @Column({ type: 'varchar', length: 255 })
  name: string;

  @Column({ type: 'text' })
  scopes: string;

  @Column({ type: 'text' })
  authorities: string;

  @Column({ name: 'secret_hash', type: 'varchar', length: 64 })
  secretHash: string;

  @Column({ name: 'access_token_validity_seconds', type: 'integer' })
  accessTokenValiditySeconds: number;

  @Column({ name: 'expiration_date', type: 'varchar', length: 24, nullable: true })
  expirationDate: string | null;

  @Column({ name: 'user_aware_token_never_expires', type: 'boolean' })
  userAwareTokenNeverExpires: boolean;

  @Column({ type: 'varchar', length: 24 })
  created: string;

  @Column({ name: 'last_used', type: 'varchar', length: 24, nullable: true })
  lastUsed: string | null;
}
