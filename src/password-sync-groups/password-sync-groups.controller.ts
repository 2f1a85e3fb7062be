import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequireAccess } from '../common/auth/access.decorator';
import { CurrentActor, TenantId, type Actor } from '../common/auth/principal.decorator';
import { ETAG_HEADER, IF_MATCH_HEADER, IfMatchVersions, versionEtag } from '../common/http/if-match';
import { PagingQuery, TOTAL_COUNT_HEADER, sendPage } from '../common/pagination/paging-query';
import { ApiErrorExamples } from '../common/swagger/api-error-responses.decorator';
import { UuidParamPipe } from '../common/validation/uuid-param.pipe';
import { PasswordSyncGroupDto, type PasswordSyncGroupView } from './dto/password-sync-group.dto';
import { MANAGE_GROUPS, READ_GROUPS } from './password-sync-groups.access';
import { IdMismatchError } from './password-sync-groups.errors';
import {
  CREATE_ERRORS,
  DELETE_ERRORS,
  EXAMPLE_BODY,
  EXAMPLE_GROUP,
  EXAMPLE_ID,
  EXAMPLE_LIST,
  GET_ERRORS,
  LIST_ERRORS,
  UPDATE_ERRORS,
} from './password-sync-groups.examples';
import { PasswordSyncGroupsService } from './password-sync-groups.service';

const idParam = (what: string) =>
  ApiParam({ name: 'id', type: String, description: `The ID of password sync group to ${what}.`, example: EXAMPLE_ID });

/** The rules every write follows, for the operation descriptions. */
const WRITE_RULES =
  'Names are unique per tenant ignoring case (after trimming), and a source belongs to at most one group: ' +
  'a conflict is a 400 that names the group holding the name or source. `sourceIds` keeps the order sent. ' +
  'Needs a **user** token (one with `identity_id`); a rejected request changes nothing.';

const ETAG_RESPONSE_HEADER = {
  [ETAG_HEADER]: {
    description:
      'Strong entity tag of the group: its version, quoted (e.g. `"3"`); it changes with every update. Send it back in If-Match to update or delete only that version.',
    schema: { type: 'string' },
  },
};

/** The 200 of a single group (create, get, update); get and update also send its ETag. */
const groupResponse = ({ withEtag }: { withEtag: boolean }) =>
  ApiOkResponse({
    description: 'Reference to the password sync group.',
    type: PasswordSyncGroupDto,
    example: EXAMPLE_GROUP,
    ...(withEtag ? { headers: ETAG_RESPONSE_HEADER } : {}),
  });

const ifMatchHeader = (what: string) =>
  ApiHeader({
    name: IF_MATCH_HEADER,
    required: false,
    description: `Optional optimistic concurrency control: ${what} only if the group's current ETag is one of these entity tags (as sent in the ETag response header, e.g. \`"3"\`); otherwise nothing changes and the answer is 412. \`*\` matches any existing group. Without this header the last write wins.`,
    schema: { type: 'string', example: '"3"' },
  });

/** Method names are SailPoint's operationIds (the OpenAPI document uses them as such). */
@ApiTags('Password Sync Groups')
@Controller('password-sync-groups')
export class PasswordSyncGroupsController {
  constructor(private readonly groups: PasswordSyncGroupsService) {}

  @Get()
  @RequireAccess(READ_GROUPS)
  @ApiOperation({
    summary: 'Get password sync group list',
    description:
      'This API returns a list of password sync groups, oldest first (by `created`, then `id`), so paging with ' +
      '`limit` and `offset` never skips or repeats a group. With `count=true` the `X-Total-Count` header carries ' +
      'the number of groups ignoring `limit` and `offset`. Works with user and application tokens.',
  })
  @ApiOkResponse({
    description: 'A list of password sync groups.',
    type: [PasswordSyncGroupDto],
    example: EXAMPLE_LIST,
    headers: {
      [TOTAL_COUNT_HEADER]: {
        description: 'The total number of groups, ignoring limit and offset; sent when count=true.',
        schema: { type: 'integer' },
      },
    },
  })
  @ApiErrorExamples(LIST_ERRORS)
  async getPasswordSyncGroups(
    @TenantId() tenantId: string,
    @Query() paging: PagingQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PasswordSyncGroupView[]> {
    return sendPage(reply, await this.groups.list(tenantId, paging.limit, paging.offset, paging.count));
  }

  @Post()
  @HttpCode(200)
  @RequireAccess(MANAGE_GROUPS)
  @ApiOperation({
    summary: 'Create password sync group',
    description:
      'This API creates a password sync group based on the specifications provided. It answers **200** (as ' +
      'SailPoint does, not 201) with the stored group: the server assigns `id`, `created` and `modified`, and ' +
      `ignores them in the body. ${WRITE_RULES}`,
  })
  @ApiBody({
    type: PasswordSyncGroupDto,
    required: true,
    examples: { 'Two sources under one policy': { value: EXAMPLE_BODY } },
  })
  @groupResponse({ withEtag: false })
  @ApiErrorExamples(CREATE_ERRORS)
  createPasswordSyncGroup(
    @CurrentActor() actor: Actor,
    @Body() body: PasswordSyncGroupDto,
  ): Promise<PasswordSyncGroupView> {
    return this.groups.create(actor, body);
  }

  @Get(':id')
  @RequireAccess(READ_GROUPS)
  @idParam('retrieve')
  @ApiOperation({
    summary: 'Get password sync group by id',
    description:
      "This API returns the sync group for the specified ID. Another tenant's group is a 404, exactly like a " +
      'missing one. The id is compared ignoring case.',
  })
  @groupResponse({ withEtag: true })
  @ApiErrorExamples(GET_ERRORS)
  async getPasswordSyncGroup(
    @TenantId() tenantId: string,
    @Param('id', UuidParamPipe) id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PasswordSyncGroupView> {
    const { group, version } = await this.groups.get(tenantId, id);
    void reply.header(ETAG_HEADER, versionEtag(version));
    return group;
  }

  @Put(':id')
  @RequireAccess(MANAGE_GROUPS)
  @idParam('update')
  @ApiOperation({
    summary: 'Update password sync group by id',
    description:
      'This API updates the specified password sync group. It replaces `name`, `passwordPolicyId` and ' +
      '`sourceIds` (a full replacement, not a patch); `id` may be sent and must equal the path id; `created` and ' +
      `\`modified\` are ignored. \`modified\` always advances and \`created\` never changes. ${WRITE_RULES} ` +
      'With `If-Match` it updates only the version named there (412 otherwise); without it the last write wins.',
  })
  @ifMatchHeader('update')
  @ApiBody({
    type: PasswordSyncGroupDto,
    required: true,
    examples: { 'Rename and keep the sources': { value: { id: EXAMPLE_ID, ...EXAMPLE_BODY } } },
  })
  @groupResponse({ withEtag: true })
  @ApiErrorExamples(UPDATE_ERRORS)
  async updatePasswordSyncGroup(
    @CurrentActor() actor: Actor,
    @Param('id', UuidParamPipe) id: string,
    @Body() body: PasswordSyncGroupDto,
    @IfMatchVersions() expectedVersions: number[] | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PasswordSyncGroupView> {
    if (body.id !== undefined && (typeof body.id !== 'string' || body.id.toLowerCase() !== id)) {
      throw new IdMismatchError(body.id, id);
    }
    const { group, version } = await this.groups.update(actor, id, body, expectedVersions);
    void reply.header(ETAG_HEADER, versionEtag(version));
    return group;
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireAccess(MANAGE_GROUPS)
  @idParam('delete')
  @ApiOperation({
    summary: 'Delete password sync group by id',
    description:
      'This API deletes the specified password sync group. Its sources are free to join another group at once. ' +
      'Answers 204 with an empty body; deleting it again is a 404. Needs a **user** token. ' +
      'With `If-Match` it deletes only the version named there (412 otherwise).',
  })
  @ifMatchHeader('delete')
  @ApiNoContentResponse({
    description:
      'No content - indicates the request was successful but there is no content to be returned in the response.',
  })
  @ApiErrorExamples(DELETE_ERRORS)
  async deletePasswordSyncGroup(
    @CurrentActor() actor: Actor,
    @Param('id', UuidParamPipe) id: string,
    @IfMatchVersions() expectedVersions: number[] | undefined,
  ): Promise<void> {
    await this.groups.remove(actor, id, expectedVersions);
  }
}
