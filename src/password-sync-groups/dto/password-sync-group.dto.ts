import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { Allow } from 'class-validator';
import { Transform } from 'class-transformer';
import { Check, shown } from '../../common/validation/check.decorator';
import { MAX_NAME_LENGTH, nameProblem, unstorableTextProblem } from '../../common/validation/text-rules';

export const MAX_ID_LENGTH = 128;
export const MAX_SOURCES = 250;

const NO_WHITESPACE = /^\S+$/;

function idProblem(field: string, value: unknown): string | undefined {
  if (typeof value !== 'string') return `${field} must be a string (got ${shown(value)}).`;
  if (value.length === 0) return `${field} must not be empty.`;
  if (value.length > MAX_ID_LENGTH)
    return `${field} must be at most ${MAX_ID_LENGTH} characters (got ${value.length}).`;
  if (!NO_WHITESPACE.test(value)) return `${field} must not contain whitespace (got ${shown(value)}).`;
  return unstorableTextProblem(field, value);
}

export function passwordPolicyIdProblem(value: unknown): string | undefined {
  if (value === undefined || value === null) return 'passwordPolicyId is required.';
  return idProblem('passwordPolicyId', value);
}

export function sourceIdsProblem(value: unknown): string | undefined {
  if (value === undefined || value === null) return 'sourceIds is required.';
  if (!Array.isArray(value)) return `sourceIds must be an array of source ids (got ${shown(value)}).`;
  if (value.length < 1 || value.length > MAX_SOURCES) {
    return `sourceIds must hold 1 to ${MAX_SOURCES} source ids (got ${value.length}).`;
  }
  const problems: string[] = [];
  const seen = new Set<string>();
  const repeated = new Set<string>();
  value.forEach((item: unknown, index) => {
    const problem = idProblem(`sourceIds[${index}]`, item);
    if (problem) problems.push(problem);
    else if (seen.has(item as string)) repeated.add(item as string);
    else seen.add(item as string);
  });
  if (repeated.size > 0) {
    problems.push(`sourceIds must be distinct; repeated: ${[...repeated].map((s) => `'${s}'`).join(', ')}.`);
  }
  return problems.length > 0 ? problems.join(' ') : undefined;
}

/**
 * SailPoint's `PasswordSyncGroup`: the response body of every operation, and the request body
 * of create and update (as in SailPoint's spec). In requests, `created` and `modified` are
 * ignored; `id` is ignored on create and must equal the path id on update.
 */
@ApiSchema({ name: 'PasswordSyncGroup' })
export class PasswordSyncGroupDto {
  @ApiPropertyOptional({
    description: 'ID of the sync group',
    example: '6881f631-3bd5-4213-9c75-8e05cc3e35dd',
    type: String,
  })
  @Allow()
  id?: unknown;

  @ApiProperty({
    description: 'Name of the sync group (trimmed; 1-255 characters; unique per tenant, ignoring case)',
    example: 'Password Sync Group 1',
    minLength: 1,
    maxLength: MAX_NAME_LENGTH,
  })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @Check('name', nameProblem)
  name: string;

  @ApiProperty({
    description: 'ID of the password policy',
    example: '2c91808d744ba0ce01746f93b6204501',
    minLength: 1,
    maxLength: MAX_ID_LENGTH,
    pattern: '^\\S+$',
  })
  @Check('passwordPolicyId', passwordPolicyIdProblem)
  passwordPolicyId: string;

  @ApiProperty({
    description: 'List of password managed sources IDs (1-250, distinct). A source belongs to at most one sync group.',
    type: [String],
    example: ['2c918084660f45d6016617daa9210584', '2c918084660f45d6016617daa9210500'],
    minItems: 1,
    maxItems: MAX_SOURCES,
    uniqueItems: true,
  })
  @Check('sourceIds', sourceIdsProblem)
  sourceIds: string[];

  @ApiPropertyOptional({
    description: 'The date and time this sync group was created',
    format: 'date-time',
    example: '2023-03-16T04:00:00.000Z',
    nullable: true,
    type: String,
  })
  @Allow()
  created?: unknown;

  @ApiPropertyOptional({
    description: 'The date and time this sync group was last modified',
    format: 'date-time',
    example: '2023-03-16T04:00:00.000Z',
    nullable: true,
    type: String,
  })
  @Allow()
  modified?: unknown;
}

/** What the service returns: the stored group, as it goes on the wire. */
export interface PasswordSyncGroupView {
  id: string;
  name: string;
  passwordPolicyId: string;
  sourceIds: string[];
  created: string;
  modified: string;
}

/** The validated fields of a create or update. */
export interface PasswordSyncGroupInput {
  name: string;
  passwordPolicyId: string;
  sourceIds: string[];
}
