import { Inject, Injectable } from '@nestjs/common';
import { AuditTrail, changesOf, type AuditAction } from '../audit/audit-trail';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import type { Principal } from '../common/auth/principal';
import type { Actor } from '../common/auth/principal.decorator';
import type { Transaction } from '../common/database/unit-of-work';
import { USER_TOKEN_REQUIRED } from '../common/auth/access-problems';
import { BadRequestError, ForbiddenError } from '../common/errors/domain-error';
import type { Page } from '../common/pagination/paging-query';
import { nameProblem } from '../common/validation/text-rules';
import {
  DEFAULT_VALIDITY_SECONDS,
  createdView,
  patView,
  scopeProblem,
  expirationDateProblem,
  neverExpiresProblem,
  type CreatePersonalAccessTokenDto,
  type CreatedPatView,
  type PatRecord,
  type PatView,
} from './dto/personal-access-token.dto';
import { PatLiveness } from './pat-liveness';
import { PatSecretHasher, newPatId, newPatSecret } from './pat-secrets';
import { ADMIN_AUTHORITY, MANAGE_ALL_SCOPES, READ_ALL_SCOPES, SCOPES_ALL } from './personal-access-tokens.access';
import {
  NoSigningKeyError,
  OthersTokensForbiddenError,
  PatNotFoundError,
  ScopeEscalationError,
} from './personal-access-tokens.errors';
import { PersonalAccessTokensRepository, type PatChanges } from './personal-access-tokens.repository';

/** One JSON Patch operation as sent (RFC 6902); validated by `parsePatch`. */
type PatchOp = { op: 'set'; field: keyof PatChanges; value: unknown };

export const MAX_PATCH_OPERATIONS = 20;
const PATCHABLE = ['name', 'scope', 'expirationDate', 'userAwareTokenNeverExpires'] as const;
const FIELD_OF: Record<(typeof PATCHABLE)[number], keyof PatChanges> = {
  name: 'name',
  scope: 'scopes',
  expirationDate: 'expirationDate',
  userAwareTokenNeverExpires: 'userAwareTokenNeverExpires',
};

export const NEVER_EXPIRES_UNACKNOWLEDGED =
  'expirationDate is null or absent, so the token would never expire: set userAwareTokenNeverExpires to true to acknowledge that, or give an expirationDate.';
export const patchClearsExpiryWithoutAck =
  'expirationDate is set to null (never expires): the same patch must set userAwareTokenNeverExpires to true.';
export const pastExpiry = (value: string) => `expirationDate must be in the future (got "${value}").`;

/**
 * Who may see or change whose tokens, and the rules on scopes and expiry (SailPoint's v1 rules).
 * Each write is one transaction (PersonalAccessTokensRepository.write) that also records its
 * audit event (the `actor` every write takes), so a refused write leaves neither.
 */
@Injectable()
export class PersonalAccessTokensService {
  private readonly hasher?: PatSecretHasher;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly repository: PersonalAccessTokensRepository,
    private readonly liveness: PatLiveness,
    private readonly audit: AuditTrail,
  ) {
    this.hasher = PatSecretHasher.of(config);
  }

  /**
   * `owner-id`: `me` or the caller's own identity id lists the caller's tokens; another id, or
   * none, lists others' (all of the tenant's when none) and needs ORG_ADMIN with an
   * `all-personal-access-tokens` scope.
   */
  list(
    principal: Principal,
    ownerIdParam: string | undefined,
    filters: string | undefined,
    paging: { limit: number; offset: number; count: boolean },
  ): Promise<Page<PatView>> {
    const lastUsed = filters === undefined ? undefined : parseFilters(filters);
    let ownerId = ownerIdParam;
    if (ownerId !== undefined && (ownerId.length === 0 || ownerId.length > 255 || ownerId.includes('\u0000'))) {
      throw new BadRequestError(
        `owner-id must be "me" or an identity id of 1-255 characters (got ${JSON.stringify(ownerId)}).`,
      );
    }
    if (ownerId === 'me') {
      if (!principal.identityId) throw new ForbiddenError([USER_TOKEN_REQUIRED]);
      ownerId = principal.identityId;
    }
    if (ownerId === undefined || ownerId !== principal.identityId) this.assertAdmin(principal, 'read');
    return this.repository
      .list({
        tenantId: principal.tenantId,
        ownerId,
        lastUsed,
        limit: paging.limit,
        offset: paging.offset,
        withTotal: paging.count,
      })
      .then((page) => ({ items: page.items.map(patView), total: page.total }));
  }

  /** A PAT owned by `principal` (a user); `actor`: who made it, for the audit trail (the same user, or a program). */
  async create(principal: Principal, actor: Actor, input: CreatePersonalAccessTokenDto): Promise<CreatedPatView> {
    if (!this.hasher) throw new NoSigningKeyError();
    const scopes = input.scope ?? defaultScopes(principal);
    assertWithin(principal, scopes);
    const expirationDate = this.expiry(input.expirationDate ?? null, input.userAwareTokenNeverExpires ?? false);
    const secret = newPatSecret();
    const record: PatRecord = {
      id: newPatId(),
      tenantId: principal.tenantId,
      ownerId: principal.identityId!, // CREATE_TOKEN requires a user token
      ownerName: principal.userName ?? principal.identityId!,
      name: input.name,
      scopes: unique(scopes),
      authorities: [...principal.authorities].sort(),
      accessTokenValiditySeconds: input.accessTokenValiditySeconds ?? DEFAULT_VALIDITY_SECONDS,
      expirationDate,
      userAwareTokenNeverExpires: input.userAwareTokenNeverExpires ?? false,
      created: new Date().toISOString(),
      lastUsed: null,
    };
    const secretHash = this.hasher.hash(secret);
    await this.repository.write(async (writes, tx) => {
      await writes.insert({ record, secretHash });
      await this.audited(tx, actor, 'create', record.id, undefined, record);
    });
    return createdView(record, secret);
  }

  /** Only the owner patches (SailPoint: `sp:my-personal-access-tokens:manage`). */
  async patch(principal: Principal, actor: Actor, id: string, body: unknown): Promise<PatView> {
    const ops = parsePatch(body);
    const { tenantId } = principal;
    // Read, decide, write in one transaction: the row is locked (PostgreSQL) or the database ours (SQLite).
    const updated = await this.repository.write(async (writes, tx) => {
      const current = await writes.current({ tenantId, id });
      if (!current) throw new PatNotFoundError(id);
      if (current.ownerId !== principal.identityId) {
        throw new ForbiddenError(['Only the owner of a personal access token may patch it.']);
      }
      const changes = applyPatch(principal, current, ops, (date, ack) => this.expiry(date, ack));
      await writes.update({ tenantId, id, changes });
      const next = { ...current, ...changes };
      await this.audited(tx, actor, 'update', id, current, next);
      return next;
    });
    this.liveness.forget(tenantId, id);
    return patView(updated);
  }

  /** The owner, or ORG_ADMIN with `sp:all-personal-access-tokens:manage`, deletes. */
  remove(principal: Principal, actor: Actor, id: string): Promise<void> {
    return this.deleteAudited(actor, id, (current) => {
      if (current.ownerId !== principal.identityId) this.assertAdmin(principal, 'manage');
    });
  }

  /**
   * Deletes any PAT of the actor's tenant, with no access rule: for the service's own programs
   * outside the API (`npm run pat -- delete`, the development PAT), whose `actor` is a `systemActor`.
   */
  removeAsOperator(actor: Actor, id: string): Promise<void> {
    return this.deleteAudited(actor, id, () => undefined);
  }

  /** `allowed` throws when the caller may not delete the PAT it is given (as stored). */
  private async deleteAudited(actor: Actor, id: string, allowed: (current: PatRecord) => void): Promise<void> {
    const { tenantId } = actor;
    await this.repository.write(async (writes, tx) => {
      const current = await writes.current({ tenantId, id });
      if (!current) throw new PatNotFoundError(id);
      allowed(current);
      await writes.delete({ tenantId, id });
      await this.audited(tx, actor, 'delete', id, current, undefined);
    });
    this.liveness.forget(tenantId, id);
  }

  /**
   * One audit event, in the write's own transaction (docs/operations.md, "Audit trail"): the
   * fields of `auditedFieldsOf` only, never the secret or its hash.
   */
  private audited(
    tx: Transaction,
    actor: Actor,
    action: AuditAction,
    id: string,
    before: PatRecord | undefined,
    after: PatRecord | undefined,
  ): Promise<void> {
    const changes = changesOf(before && auditedFieldsOf(before), after && auditedFieldsOf(after));
    return this.audit.record(tx, { actor, action, resourceType: 'personal-access-token', resourceId: id, changes });
  }

  private assertAdmin(principal: Principal, action: 'read' | 'manage'): void {
    const scopes = action === 'read' ? READ_ALL_SCOPES : MANAGE_ALL_SCOPES;
    if (!principal.authorities.has(ADMIN_AUTHORITY) || !scopes.some((s) => principal.scopes.has(s))) {
      throw new OthersTokensForbiddenError(action);
    }
  }

  /**
   * SailPoint's v1 rule: without an expirationDate the token never expires, which the creator
   * must acknowledge (userAwareTokenNeverExpires: true); with one, it must be in the future.
   * Returns the date normalized to ISO-8601 UTC with milliseconds.
   */
  private expiry(date: string | null, acknowledged: boolean): string | null {
    if (date === null) {
      if (!acknowledged) throw new BadRequestError(NEVER_EXPIRES_UNACKNOWLEDGED);
      return null;
    }
    const at = Date.parse(date);
    if (at <= Date.now()) throw new BadRequestError(pastExpiry(date));
    return new Date(at).toISOString();
  }
}

export const filtersProblem = (value: string) =>
  `filters supports lastUsed le <date-time> and lastUsed isnull (got ${JSON.stringify(value)}).`;

/**
 * SailPoint's `filters` for this list: `lastUsed le <date-time>` (a quoted or bare ISO-8601
 * date-time) or `lastUsed isnull`, one of them; anything else is a 400 rather than an
 * unfiltered answer.
 */
export function parseFilters(value: string): { isNull: true } | { atOrBefore: string } {
  const text = value.trim();
  if (/^lastUsed\s+isnull$/i.test(text)) return { isNull: true };
  const match = /^lastUsed\s+le\s+"?([^"\s]+)"?$/i.exec(text);
  if (match && expirationDateProblem(match[1]) === undefined) {
    return { atOrBefore: new Date(Date.parse(match[1])).toISOString() };
  }
  throw new BadRequestError(filtersProblem(value));
}

/** `sp:scopes:all` when the creating token holds it, else exactly the creating token's scopes. */
function defaultScopes(principal: Principal): string[] {
  return principal.scopes.has(SCOPES_ALL) ? [SCOPES_ALL] : [...principal.scopes].sort();
}

/** A PAT's scopes must be within the creating (or patching) token's: no escalation. */
function assertWithin(principal: Principal, scopes: readonly string[]): void {
  if (principal.scopes.has(SCOPES_ALL)) return;
  const missing = unique(scopes.filter((s) => !principal.scopes.has(s)));
  if (missing.length > 0) throw new ScopeEscalationError(missing);
}

const unique = (values: readonly string[]) => [...new Set(values)];

/** What an audit event shows of a PAT: its owner, its grants and what a client sets, by their API names (no secret). */
const auditedFieldsOf = (r: PatRecord) => ({
  ownerId: r.ownerId,
  name: r.name,
  scope: r.scopes,
  // What the PAT may do beyond its scopes: its creator's user level, frozen when it was made.
  authorities: r.authorities,
  expirationDate: r.expirationDate,
  userAwareTokenNeverExpires: r.userAwareTokenNeverExpires,
});

/**
 * Reads an RFC 6902 document limited to what a PAT allows: `replace`/`add` of `/name`,
 * `/scope`, `/expirationDate`, `/userAwareTokenNeverExpires`, and `remove` of
 * `/expirationDate` (= never expires). Anything else is a 400 naming the operation.
 */
export function parsePatch(body: unknown): PatchOp[] {
  if (!Array.isArray(body)) {
    throw new BadRequestError('The request body must be a JSON Patch document: an array of operations (RFC 6902).');
  }
  if (body.length === 0 || body.length > MAX_PATCH_OPERATIONS) {
    throw new BadRequestError(
      `The JSON Patch document must hold 1 to ${MAX_PATCH_OPERATIONS} operations (got ${body.length}).`,
    );
  }
  const problems: string[] = [];
  const ops: PatchOp[] = [];
  body.forEach((item: unknown, i) => {
    const at = `Operation ${i}`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      problems.push(`${at} must be an object with "op" and "path".`);
      return;
    }
    const { op, path, value } = item as Record<string, unknown>;
    const extra = Object.keys(item).filter((k) => !['op', 'path', 'value', 'from'].includes(k));
    if (extra.length > 0) problems.push(`${at} has unknown members: ${extra.join(', ')}.`);
    const field = typeof path === 'string' && path.startsWith('/') ? path.slice(1) : undefined;
    if (!field || !(PATCHABLE as readonly string[]).includes(field)) {
      problems.push(
        `${at}: path must be one of ${PATCHABLE.map((p) => `/${p}`).join(', ')} (got ${JSON.stringify(path ?? null)}).`,
      );
      return;
    }
    const name = field as (typeof PATCHABLE)[number];
    if (op === 'remove') {
      if (name !== 'expirationDate') problems.push(`${at}: only /expirationDate can be removed.`);
      else ops.push({ op: 'set', field: 'expirationDate', value: null });
      return;
    }
    if (op !== 'replace' && op !== 'add') {
      problems.push(`${at}: op must be replace, add or remove (got ${JSON.stringify(op ?? null)}).`);
      return;
    }
    if (!Object.hasOwn(item, 'value')) {
      problems.push(`${at}: ${op} needs a value.`);
      return;
    }
    const problem =
      name === 'name'
        ? nameProblem(typeof value === 'string' ? value.trim() : value)
        : name === 'scope'
          ? scopeProblem(value)
          : name === 'expirationDate'
            ? expirationDateProblem(value)
            : value === null
              ? 'userAwareTokenNeverExpires must be true or false (got null).'
              : neverExpiresProblem(value);
    if (problem) problems.push(problem);
    else
      ops.push({
        op: 'set',
        field: FIELD_OF[name],
        value: typeof value === 'string' && name === 'name' ? value.trim() : value,
      });
  });
  if (problems.length > 0) throw new BadRequestError(problems);
  return ops;
}

function applyPatch(
  principal: Principal,
  current: PatRecord,
  ops: PatchOp[],
  expiry: (date: string | null, acknowledged: boolean) => string | null,
): PatChanges {
  const next: PatChanges = {
    name: current.name,
    scopes: current.scopes,
    expirationDate: current.expirationDate,
    userAwareTokenNeverExpires: current.userAwareTokenNeverExpires,
  };
  const touched = new Set<keyof PatChanges>();
  for (const { field, value } of ops) {
    touched.add(field);
    if (field === 'scopes') next.scopes = value === null ? defaultScopes(principal) : unique(value as string[]);
    else (next as Record<string, unknown>)[field] = value;
  }
  if (touched.has('scopes')) assertWithin(principal, next.scopes);
  if (touched.has('expirationDate') && next.expirationDate === null && !next.userAwareTokenNeverExpires) {
    throw new BadRequestError(
      touched.has('userAwareTokenNeverExpires') ? NEVER_EXPIRES_UNACKNOWLEDGED : patchClearsExpiryWithoutAck,
    );
  }
  if (touched.has('expirationDate') || touched.has('userAwareTokenNeverExpires')) {
    next.expirationDate = expiry(next.expirationDate, next.userAwareTokenNeverExpires);
  }
  return next;
}
