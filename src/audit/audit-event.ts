/** The shape of one audit event, shared by the trail that writes it and the repository that stores and reads it. */

export type AuditAction = 'create' | 'update' | 'delete';

type Change = { from?: unknown; to?: unknown };
/** The fields that changed, with their values (ids and names only: never a credential). */
export type AuditChanges = Record<string, Change>;

/** One audit event, as stored and as logged (`"type":"audit"`). */
export interface AuditEvent {
  occurredAt: string;
  tenant: string;
  actor: { identityId: string | null; clientId: string | null };
  action: AuditAction;
  /** What kind of thing changed, e.g. `password-sync-group`. */
  resourceType: string;
  resourceId: string;
  changes: AuditChanges;
  trackingId: string | null;
}
