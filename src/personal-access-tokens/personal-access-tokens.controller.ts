import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Res,
  createParamDecorator,
  type ArgumentMetadata,
  type ExecutionContext,
  type PipeTransform,
} from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiExtraModels,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RequireAccess } from '../common/auth/access.decorator';
import { CurrentActor, CurrentPrincipal, type Actor } from '../common/auth/principal.decorator';
import type { Principal } from '../common/auth/principal';
import { BadRequestError } from '../common/errors/domain-error';
import { PagingQuery, TOTAL_COUNT_HEADER, sendPage } from '../common/pagination/paging-query';
import { bodyShapeProblem } from '../common/validation/api-validation.pipe';
import { shown } from '../common/validation/check.decorator';
import {
  CreatePersonalAccessTokenDto,
  CreatedPersonalAccessTokenDto,
  JsonPatchOperationDto,
  PersonalAccessTokenDto,
  type CreatedPatView,
  type PatView,
} from './dto/personal-access-token.dto';
import { PAT_ID } from './pat-secrets';
import { CREATE_TOKEN, DELETE_TOKEN, LIST_TOKENS, PATCH_TOKEN } from './personal-access-tokens.access';
import {
  NEVER_EXPIRES_UNACKNOWLEDGED,
  PersonalAccessTokensService,
  filtersProblem,
  pastExpiry,
} from './personal-access-tokens.service';
import {
  OthersTokensForbiddenError,
  PatNameTakenError,
  PatNotFoundError,
  ScopeEscalationError,
} from './personal-access-tokens.errors';
import { ApiErrorExamples } from '../common/swagger/api-error-responses.decorator';

const EXAMPLE_ID = 'ef38f94347e94562b5bb8424a56397d8';

export const notAPatId = (value: unknown) =>
  `Path parameter 'id' must be a personal access token id: 32 hexadecimal characters (got ${shown(value)}).`;

/** A path id is 32 hex characters (compared in lower case); anything else cannot name a PAT. */
class PatIdPipe implements PipeTransform<string, string> {
  transform(value: string, _metadata: ArgumentMetadata): string {
    const id = typeof value === 'string' ? value.toLowerCase() : '';
    if (!PAT_ID.test(id)) throw new BadRequestError(notAPatId(value));
    return id;
  }
}

/**
 * The raw JSON body (a JSON Patch document is an array, which the global pipe's object rule
 * would refuse), with the same shape limits as every other body.
 */
const JsonPatchBody = createParamDecorator((_data: unknown, context: ExecutionContext): unknown => {
  const body = context.switchToHttp().getRequest<FastifyRequest>().body;
  const problem = bodyShapeProblem(body);
  if (problem) throw new BadRequestError(problem);
  return body;
});

const NOT_FOUND = { 'No such token in this tenant': new PatNotFoundError(EXAMPLE_ID) };
const BAD_ID = { 'Path id is not a token id': new BadRequestError(notAPatId('not-an-id')) };

const idParam = (what: string) =>
  ApiParam({ name: 'id', type: String, description: `The personal access token id ${what}.`, example: EXAMPLE_ID });

/** Method names are SailPoint's operationIds. */
@ApiTags('Personal Access Tokens')
@ApiExtraModels(JsonPatchOperationDto)
@Controller('personal-access-tokens')
export class PersonalAccessTokensController {
  constructor(private readonly tokens: PersonalAccessTokensService) {}

  @Get()
  @RequireAccess(LIST_TOKENS)
  @ApiOperation({
    summary: 'List personal access tokens',
    description:
      'Lists personal access tokens, oldest first. `owner-id=me` (or your own identity id) lists yours; another ' +
      "identity id, or no `owner-id`, lists that user's (or the whole tenant's) tokens and needs ORG_ADMIN with " +
      '`sp:all-personal-access-tokens:read` or `:manage` (or `sp:scopes:all`). Secrets are never shown. ' +
      '`limit`, `offset` and `count` page as everywhere in the API.',
  })
  @ApiQuery({
    name: 'owner-id',
    required: false,
    type: String,
    description: 'The identity ID of the owner whose personal access tokens should be listed; `me` for your own.',
    example: '2c9180867b50d088017b554662fb281e',
  })
  @ApiQuery({
    name: 'filters',
    required: false,
    type: String,
    description:
      'Filter results using the standard syntax described in [V3 API Standard Collection Parameters](https://developer.sailpoint.com/idn/api/standard-collection-parameters#filtering-results)\n\nFiltering is supported for the following fields and operators:\n\n**lastUsed**: *le, isnull* (one expression; anything else is a 400).',
    example: 'lastUsed le 2023-02-05T10:59:27.214Z',
  })
  @ApiOkResponse({
    description: 'List of personal access tokens.',
    type: [PersonalAccessTokenDto],
    headers: {
      [TOTAL_COUNT_HEADER]: {
        description: 'The total number, ignoring limit and offset; sent when count=true.',
        schema: { type: 'integer' },
      },
    },
  })
  @ApiErrorExamples({
    "Other users' tokens without the right": new OthersTokensForbiddenError('read'),
    'Unsupported filter': new BadRequestError(filtersProblem('name eq "x"')),
  })
  async listPersonalAccessTokens(
    @CurrentPrincipal() principal: Principal,
    @Query() paging: PagingQuery,
    @Query('owner-id') ownerId: unknown,
    @Query('filters') filters: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PatView[]> {
    if (ownerId !== undefined && typeof ownerId !== 'string') {
      throw new BadRequestError(`owner-id must be given once (got ${shown(ownerId)}).`);
    }
    if (filters !== undefined && typeof filters !== 'string') {
      throw new BadRequestError(`filters must be given once (got ${shown(filters)}).`);
    }
    return sendPage(reply, await this.tokens.list(principal, ownerId, filters, paging));
  }

  @Post()
  @HttpCode(200)
  @RequireAccess(CREATE_TOKEN)
  @ApiOperation({
    summary: 'Create personal access token',
    description:
      'Creates a personal access token owned by the caller (a **user** token). Its scopes must be within the ' +
      "caller's token scopes (`sp:scopes:all` covers all); it carries the caller's authorities as they are now. " +
      'Without `expirationDate` it never expires, which `userAwareTokenNeverExpires: true` must acknowledge; an ' +
      '`expirationDate` must be in the future. The `secret` (64 hex characters) is shown in this response only: ' +
      'exchange `id` and `secret` for an access token at `POST /oauth/token`.',
  })
  @ApiBody({ type: CreatePersonalAccessTokenDto, required: true })
  @ApiOkResponse({
    description: "Created. Note - this is the only time Personal Access Tokens' secret attribute will be displayed.",
    type: CreatedPersonalAccessTokenDto,
  })
  @ApiErrorExamples({
    'Never expires, not acknowledged': new BadRequestError(NEVER_EXPIRES_UNACKNOWLEDGED),
    'Expiry in the past': new BadRequestError(pastExpiry('2001-01-01T00:00:00.000Z')),
    'Name already taken': new PatNameTakenError('NodeJS Integration'),
    "Scopes beyond the creator's": new ScopeEscalationError(['sp:scopes:all']),
  })
  createPersonalAccessToken(
    @CurrentPrincipal() principal: Principal,
    @CurrentActor() actor: Actor,
    @Body() body: CreatePersonalAccessTokenDto,
  ): Promise<CreatedPatView> {
    return this.tokens.create(principal, actor, body);
  }

  @Patch(':id')
  @RequireAccess(PATCH_TOKEN)
  @idParam('to patch')
  @ApiOperation({
    summary: 'Patch personal access token',
    description:
      'A JSON Patch (RFC 6902, `application/json-patch+json` or `application/json`) of `/name`, `/scope`, ' +
      '`/expirationDate` and `/userAwareTokenNeverExpires` (`replace` or `add`; `remove` of `/expirationDate` ' +
      'means never expires). Setting `expirationDate` to null needs `userAwareTokenNeverExpires: true` in the same ' +
      "patch; a new `expirationDate` must be in the future; new scopes must be within the caller's. Only the owner " +
      'patches. Access tokens already issued keep their scopes until they expire.',
  })
  @ApiConsumes('application/json-patch+json', 'application/json')
  @ApiBody({
    required: true,
    schema: { type: 'array', items: { $ref: getSchemaPath(JsonPatchOperationDto) } },
    examples: {
      'Rename and narrow': {
        value: [
          { op: 'replace', path: '/name', value: 'New name' },
          { op: 'replace', path: '/scope', value: ['sp:scopes:all'] },
        ],
      },
    },
  })
  @ApiOkResponse({ description: "The PAT's new representation.", type: PersonalAccessTokenDto })
  @ApiErrorExamples({
    ...BAD_ID,
    ...NOT_FOUND,
    'Expiry in the past': new BadRequestError(pastExpiry('2001-01-01T00:00:00.000Z')),
  })
  patchPersonalAccessToken(
    @CurrentPrincipal() principal: Principal,
    @CurrentActor() actor: Actor,
    @Param('id', PatIdPipe) id: string,
    @JsonPatchBody() body: unknown,
  ): Promise<PatView> {
    return this.tokens.patch(principal, actor, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireAccess(DELETE_TOKEN)
  @idParam('to delete')
  @ApiOperation({
    summary: 'Delete personal access token',
    description:
      "Deletes a personal access token: yours, or (ORG_ADMIN with `sp:all-personal-access-tokens:manage`) anyone's " +
      'in your tenant. It can no longer be exchanged at once, and the access tokens already issued from it stop ' +
      'working at once on this instance and within PAT_CHECK_CACHE_SECONDS (5 s) on every other.',
  })
  @ApiNoContentResponse({ description: 'No content.' })
  @ApiErrorExamples({
    ...BAD_ID,
    ...NOT_FOUND,
    "Other users' tokens without the right": new OthersTokensForbiddenError('manage'),
  })
  async deletePersonalAccessToken(
    @CurrentPrincipal() principal: Principal,
    @CurrentActor() actor: Actor,
    @Param('id', PatIdPipe) id: string,
  ): Promise<void> {
    await this.tokens.remove(principal, actor, id);
  }
}
