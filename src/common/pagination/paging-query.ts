import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, Max, Min } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { BadRequestError } from '../errors/domain-error';

export const MAX_LIMIT = 250;

/** The 400 causes for bad paging parameters (also the documented examples). */
export const limitProblem = (value: unknown) =>
  `limit must be an integer between 0 and ${MAX_LIMIT} (got ${JSON.stringify(value)}).`;
export const offsetProblem = (value: unknown) =>
  `offset must be an integer of 0 or more (got ${JSON.stringify(value)}).`;
export const countProblem = (value: unknown) => `count must be true or false (got ${JSON.stringify(value)}).`;

/** What a list answers for bad paging parameters: `@ApiErrorExamples({ ...PAGING_ERROR_EXAMPLES })`. */
export const PAGING_ERROR_EXAMPLES = {
  'limit out of range (limit=251)': new BadRequestError(limitProblem(251)),
  'offset not a number (offset=x)': new BadRequestError(offsetProblem('x')),
  'count not a boolean (count=yes)': new BadRequestError(countProblem('yes')),
};

/** Turns a decimal query value into a number; anything else is left for validation to reject. */
const toInteger = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d{1,15}$/.test(value) ? Number(value) : value;

/**
 * `true`/`false` in any letter case, as SailPoint's Java services read them (PowerShell's SDK sends
 * `count=True`); anything else is left for validation to reject.
 */
const toBoolean = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string' || (value.length !== 4 && value.length !== 5)) return value;
  const lower = value.toLowerCase();
  return lower === 'true' ? true : lower === 'false' ? false : value;
};

/** SailPoint's standard collection parameters: `limit`, `offset`, `count`. */
export class PagingQuery {
  @ApiPropertyOptional({
    description:
      'Max number of results to return.\nSee [V3 API Standard Collection Parameters](https://developer.sailpoint.com/idn/api/standard-collection-parameters) for more information.',
    type: 'integer',
    format: 'int32',
    minimum: 0,
    maximum: MAX_LIMIT,
    default: MAX_LIMIT,
    example: MAX_LIMIT,
  })
  @Transform(toInteger)
  @IsInt({ message: ({ value }) => limitProblem(value) })
  @Min(0, { message: ({ value }) => limitProblem(value) })
  @Max(MAX_LIMIT, { message: ({ value }) => limitProblem(value) })
  limit: number = MAX_LIMIT;

  @ApiPropertyOptional({
    description:
      'Offset into the full result set. Usually specified with *limit* to paginate through the results.\nSee [V3 API Standard Collection Parameters](https://developer.sailpoint.com/idn/api/standard-collection-parameters) for more information.',
    type: 'integer',
    format: 'int32',
    minimum: 0,
    default: 0,
    example: 0,
  })
  @Transform(toInteger)
  // class-validator checks the decorator nearest the property first (stopAtFirstError): IsInt
  // must come last, or a non-number ("x") would be reported as "must be at most 2147483647".
  @Max(2_147_483_647, { message: ({ value }) => `offset must be at most 2147483647 (got ${JSON.stringify(value)}).` })
  @Min(0, { message: ({ value }) => offsetProblem(value) })
  @IsInt({ message: ({ value }) => offsetProblem(value) })
  offset: number = 0;

  @ApiPropertyOptional({
    description:
      'If *true* it will populate the *X-Total-Count* response header with the number of results that would be returned if *limit* and *offset* were ignored.\n\nSince requesting a total count can have a performance impact, it is recommended not to send **count=true** if that value will not be used.\n\nSee [V3 API Standard Collection Parameters](https://developer.sailpoint.com/idn/api/standard-collection-parameters) for more information.',
    type: 'boolean',
    default: false,
    example: true,
  })
  @Transform(toBoolean)
  @IsIn([true, false], { message: ({ value }) => countProblem(value) })
  count: boolean = false;
}

/** A page of results and, when asked for, the total ignoring limit and offset. */
export interface Page<T> {
  items: T[];
  total?: number;
}

export const TOTAL_COUNT_HEADER = 'X-Total-Count';

/** Sends `X-Total-Count` when the page carries a total (i.e. the client asked with count=true). */
export function sendPage<T>(reply: FastifyReply, page: Page<T>): T[] {
  if (page.total !== undefined) void reply.header(TOTAL_COUNT_HEADER, String(page.total));
  return page.items;
}
