import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { Check, shown } from '../../common/validation/check.decorator';
import { MAX_NAME_LENGTH, nameProblem } from '../../common/validation/text-rules';

export const MAX_SCOPES = 50;
export const MAX_SCOPE_LENGTH = 255;
export const MIN_VALIDITY_SECONDS = 15;
export const MAX_VALIDITY_SECONDS = 43200;
export const DEFAULT_VALIDITY_SECONDS = 43200;

/** An OAuth scope token (RFC 6749 §3.3): printable ASCII without space, quote or backslash. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
/** ISO-8601 date-time with a zone: `2026-12-31T23:59:59.999Z`, `…+02:00`. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** `scope`: null (the default) or 1-50 OAuth scope tokens. */
export function scopeProblem(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) return `scope must be an array of scopes or null (got ${shown(value)}).`;
  if (value.length < 1 || value.length > MAX_SCOPES) {
    return `scope must hold 1 to ${MAX_SCOPES} scopes, or be null for the default (got ${value.length}).`;
  }
  for (const [i, item] of value.entries()) {
    if (typeof item !== 'string' || item.length > MAX_SCOPE_LENGTH || !SCOPE_TOKEN.test(item)) {
      return `scope[${i}] must be a scope: 1-${MAX_SCOPE_LENGTH} printable ASCII characters without spaces (got ${shown(item)}).`;
    }
  }
  return undefined;
}

export function validityProblem(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (
    !Number.isInteger(value) ||
    (value as number) < MIN_VALIDITY_SECONDS ||
    (value as number) > MAX_VALIDITY_SECONDS
  ) {
    return `accessTokenValiditySeconds must be an integer from ${MIN_VALIDITY_SECONDS} to ${MAX_VALIDITY_SECONDS} (got ${shown(value)}).`;
  }
  return undefined;
}

/** `expirationDate`: null, or a date-time with a zone (whether it is in the future is the service's rule). */
export function expirationDateProblem(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !DATE_TIME.test(value) || Number.isNaN(Date.parse(value))) {
    return `expirationDate must be an ISO-8601 date-time with a time zone, e.g. 2026-12-31T23:59:59.999Z, or null (got ${shown(value)}).`;
  }
  return undefined;
}

export function neverExpiresProblem(value: unknown): string | undefined {
  if (value === undefined || value === null || typeof value === 'boolean') return undefined;
  return `userAwareTokenNeverExpires must be true, false or null (got ${shown(value)}).`;
}

/** SailPoint's `CreatePersonalAccessTokenRequest` (v1, with `userAwareTokenNeverExpires`). */
@ApiSchema({ name: 'CreatePersonalAccessTokenRequest' })
export class CreatePersonalAccessTokenDto {
  /** The name of the personal access token (PAT) to be created. Cannot be the same as another PAT owned by the user for whom this PAT is being created. */
  @ApiProperty({ example: 'NodeJS Integration', minLength: 1, maxLength: MAX_NAME_LENGTH })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @Check('name', nameProblem)
  name: string;

  /** Scopes of the personal access token, each within the creating token's scopes. Null or absent: `sp:scopes:all` when the creating token holds it, else the creating token's scopes. */
  @ApiPropertyOptional({
    type: [String],
    nullable: true,
    example: ['sp:scopes:all'],
    maxItems: MAX_SCOPES,
  })
  @Check('scope', scopeProblem)
  scope?: string[] | null;

  /** Number of seconds an access token is valid when generated using this Personal Access Token. Default 43200. */
  @ApiPropertyOptional({
    type: 'integer',
    format: 'int32',
    nullable: true,
    minimum: MIN_VALIDITY_SECONDS,
    maximum: MAX_VALIDITY_SECONDS,
    example: 36900,
  })
  @Check('accessTokenValiditySeconds', validityProblem)
  accessTokenValiditySeconds?: number | null;

  /** When the PAT expires: a future date-time. Null or absent: it never expires, which needs `userAwareTokenNeverExpires: true`. */
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true, example: '2026-12-31T23:59:59.999Z' })
  @Check('expirationDate', expirationDateProblem)
  expirationDate?: string | null;

  /** The creator acknowledges that a PAT without `expirationDate` never expires. Required (true) when `expirationDate` is null or absent. */
  @ApiPropertyOptional({ type: Boolean, nullable: true, default: false, example: false })
  @Check('userAwareTokenNeverExpires', neverExpiresProblem)
  userAwareTokenNeverExpires?: boolean | null;
}

/** SailPoint's `PatOwner`. */
@ApiSchema({ name: 'PatOwner' })
export class PatOwnerDto {
  /** Personal access token owner's DTO type. */
  @ApiPropertyOptional({ enum: ['IDENTITY'], example: 'IDENTITY' })
  type: 'IDENTITY';
  /** Personal access token owner's identity ID. */
  @ApiPropertyOptional({ example: '2c9180a46faadee4016fb4e018c20639' })
  id: string;
  /** Personal access token owner's human-readable display name. */
  @ApiPropertyOptional({ example: 'Support' })
  name: string;
}

/** SailPoint's `GetPersonalAccessTokenResponse` (v1). The secret is never part of it. */
@ApiSchema({ name: 'GetPersonalAccessTokenResponse' })
export class PersonalAccessTokenDto {
  /** The ID of the personal access token (to be used as the username for Basic Auth, and as the OAuth client id). */
  @ApiProperty({ example: '86f1dc6fe8f54414950454cbb11278fa' })
  id: string;
  /** The name of the personal access token. Cannot be the same as other personal access tokens owned by a user. */
  @ApiProperty({ example: 'NodeJS Integration' })
  name: string;
  /** Scopes of the personal access token. */
  @ApiProperty({ type: [String], nullable: true, example: ['sp:scopes:all'] })
  scope: string[] | null;
  @ApiProperty({ type: PatOwnerDto })
  owner: PatOwnerDto;
  /** The date and time, down to the millisecond, when this personal access token was created. */
  @ApiProperty({ format: 'date-time', example: '2026-11-21T04:00:00.000Z' })
  created: string;
  /** When this personal access token was last used to generate an access token (updated at most once a day). */
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true, example: null })
  lastUsed: string | null;
  /** If true, this token is managed by the platform. Always false here. */
  @ApiPropertyOptional({ type: Boolean, default: false, example: false })
  managed: boolean;
  /** Number of seconds an access token is valid when generated using this Personal Access Token. */
  @ApiPropertyOptional({ type: 'integer', format: 'int32', default: 43200, example: 43200 })
  accessTokenValiditySeconds: number;
  /** When this personal access token expires; null: never. */
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true, example: '2026-12-31T23:59:59.999Z' })
  expirationDate: string | null;
  /** The user acknowledged that this token never expires. */
  @ApiPropertyOptional({ type: Boolean, default: false, example: false })
  userAwareTokenNeverExpires: boolean;
}

/** SailPoint's `CreatePersonalAccessTokenResponse`: the only place the secret is ever shown. */
@ApiSchema({ name: 'CreatePersonalAccessTokenResponse' })
export class CreatedPersonalAccessTokenDto {
  /** The ID of the personal access token (to be used as the username for Basic Auth, and as the OAuth client id). */
  @ApiProperty({ example: '86f1dc6fe8f54414950454cbb11278fa' })
  id: string;
  /** The secret of the personal access token (the password for Basic Auth, the OAuth client secret): 64 hex characters, shown only here. */
  @ApiProperty({ example: '1d1bef2b9f426383447f64f69349fc7cac176042578d205c256ba3f37c59adb9' })
  secret: string;
  /** Scopes of the personal access token. */
  @ApiProperty({ type: [String], nullable: true, example: ['sp:scopes:all'] })
  scope: string[] | null;
  /** The name of the personal access token. */
  @ApiProperty({ example: 'NodeJS Integration' })
  name: string;
  @ApiProperty({ type: PatOwnerDto })
  owner: PatOwnerDto;
  /** The date and time, down to the millisecond, when this personal access token was created. */
  @ApiProperty({ format: 'date-time', example: '2026-11-21T04:00:00.000Z' })
  created: string;
  /** Number of seconds an access token is valid when generated using this Personal Access Token. */
  @ApiProperty({ type: 'integer', format: 'int32', example: 43200 })
  accessTokenValiditySeconds: number;
  /** When this personal access token expires; null: never. */
  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2026-12-31T23:59:59.999Z' })
  expirationDate: string | null;
}

/** SailPoint's `JsonPatchOperation`. */
@ApiSchema({ name: 'JsonPatchOperation' })
export class JsonPatchOperationDto {
  /** The operation to be performed: `replace` or `add` (set a field), `remove` (`/expirationDate` only: never expires). */
  @ApiProperty({ enum: ['add', 'remove', 'replace', 'move', 'copy', 'test'], example: 'replace' })
  op: string;
  /** The field: `/name`, `/scope`, `/expirationDate` or `/userAwareTokenNeverExpires`. */
  @ApiProperty({ example: '/name' })
  path: string;
  /** The value to be used for the operation, required for "add" and "replace" operations. */
  @ApiPropertyOptional({ example: 'New name' })
  value?: unknown;
}

/** What a PAT is, as the service and the repository handle it (never the secret). */
export interface PatRecord {
  id: string;
  tenantId: string;
  ownerId: string;
  ownerName: string;
  name: string;
  scopes: string[];
  authorities: string[];
  accessTokenValiditySeconds: number;
  expirationDate: string | null;
  userAwareTokenNeverExpires: boolean;
  created: string;
  lastUsed: string | null;
}

export type PatView = PersonalAccessTokenDto;
export type CreatedPatView = CreatedPersonalAccessTokenDto;

/** The wire form of a PAT (GET and PATCH responses, list items). */
export function patView(r: PatRecord): PatView {
  return {
    id: r.id,
    name: r.name,
    scope: r.scopes,
    owner: { type: 'IDENTITY', id: r.ownerId, name: r.ownerName },
    created: r.created,
    lastUsed: r.lastUsed,
    managed: false,
    accessTokenValiditySeconds: r.accessTokenValiditySeconds,
    expirationDate: r.expirationDate,
    userAwareTokenNeverExpires: r.userAwareTokenNeverExpires,
  };
}

/** The create response: the record and the one-time secret. */
export function createdView(r: PatRecord, secret: string): CreatedPatView {
  return {
    id: r.id,
    secret,
    scope: r.scopes,
    name: r.name,
    owner: { type: 'IDENTITY', id: r.ownerId, name: r.ownerName },
    created: r.created,
    accessTokenValiditySeconds: r.accessTokenValiditySeconds,
    expirationDate: r.expirationDate,
  };
}
