import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequireAccess } from '../common/auth/access.decorator';
import { TenantId } from '../common/auth/principal.decorator';
import { ETAG_HEADER, IF_MATCH_HEADER, IfMatchHeader, strongTags, type IfMatch } from '../common/http/if-match';
import { PagingQuery, TOTAL_COUNT_HEADER, sendPage } from '../common/pagination/paging-query';
import { ApiErrorResponses } from '../common/swagger/api-error-responses.decorator';
import { UuidParamPipe } from '../common/validation/uuid-param.pipe';
import { PasswordSyncGroupDto, type PasswordSyncGroupView } from './dto/password-sync-group.dto';
import { MANAGE_GROUPS, READ_GROUPS } from './password-sync-groups.access';
import { IdMismatchError, etagOf } from './password-sync-groups.errors';
import { PasswordSyncGroupsService } from './password-sync-groups.service';

const EXAMPLE_ID = '6881f631-3bd5-4213-9c75-8e05cc3e35dd';
const EXAMPLE_BODY = {
  name: 'Password Sync Group 2',
  passwordPolicyId: '2c91808d744ba0ce01746f93b6204501',
  sourceIds: ['2c918084660f45d6016617daa9210584', '2c918084660f45d6016617daa9210500'],
};
const EXAMPLE_GROUP = { id: EXAMPLE_ID, ...EXAMPLE_BODY, created: '2026-11-21T04:00:00.000Z', modified: '2026-11-21T04:00:00.000Z' };

const idParam = (what: string) =>
  ApiParam({ name: 'id', type: String, description: `The ID of password sync group to ${what}.`, example: EXAMPLE_ID });

const ETAG_RESPONSE_HEADER = {
  [ETAG_HEADER]: {
    description: 'Strong entity tag of the group: its version, quoted (e.g. `"3"`); it changes with every update. Send it back in If-Match to update or delete only that version.',
    schema: { type: 'string' },
  },
};

const ifMatchHeader = (what: string) =>
  ApiHeader({
    name: IF_MATCH_HEADER,
    required: false,
    description: `Optional optimistic concurrency control: ${what} only if the group's current ETag is one of these entity tags (as sent in the ETag response header, e.g. \`"3"\`); otherwise nothing changes and the answer is 412. \`*\` matches any existing group. Without this header the last write wins.`,
    schema: { type: 'string', example: '"3"' },
  });

/**
 * The versions an If-Match condition accepts (see `etagOf`): undefined when there is no
 * condition or it is `*` (which any existing group meets, and a missing group is a 404 either
 * way, RFC 9110 §13.2.1); otherwise the versions of its strong tags, possibly none.
 */
function expectedVersions(condition: IfMatch | undefined): number[] | undefined {
  if (condition === undefined || condition.any) return undefined;
  return strongTags(condition)
    .map((tag) => /^"([1-9][0-9]{0,8})"$/.exec(tag)?.[1])
    .filter((v): v is string => v !== undefined)
    .map(Number);
}

/** Method names are SailPoint's operationIds (the OpenAPI document uses them as such). */
@ApiTags('Password Sync Groups')
@Controller('password-sync-groups')
export class PasswordSyncGroupsController {
  constructor(private readonly groups: PasswordSyncGroupsService) {}

  @Get()
  @RequireAccess(READ_GROUPS)
  @ApiOperation({ summary: 'Get password sync group list', description: 'This API returns a list of password sync groups, oldest first.' })
  @ApiOkResponse({
    description: 'A list of password sync groups.',
    type: [PasswordSyncGroupDto],
    headers: {
      [TOTAL_COUNT_HEADER]: { description: 'The total number of groups, ignoring limit and offset; sent when count=true.', schema: { type: 'integer' } },
    },
  })
  @ApiErrorResponses(400)
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
    description: 'This API creates a password sync group based on the specifications provided.',
  })
  @ApiBody({ type: PasswordSyncGroupDto, required: true, examples: { group: { value: EXAMPLE_BODY } } })
  @ApiOkResponse({ description: 'Reference to the password sync group.', type: PasswordSyncGroupDto, example: EXAMPLE_GROUP })
  @ApiErrorResponses(400)
  createPasswordSyncGroup(@TenantId() tenantId: string, @Body() body: PasswordSyncGroupDto): Promise<PasswordSyncGroupView> {
    return this.groups.create(tenantId, body);
  }

  @Get(':id')
  @RequireAccess(READ_GROUPS)
  @idParam('retrieve')
  @ApiOperation({ summary: 'Get password sync group by id', description: 'This API returns the sync group for the specified ID.' })
  @ApiOkResponse({
    description: 'Reference to the password sync group.',
    type: PasswordSyncGroupDto,
    example: EXAMPLE_GROUP,
    headers: ETAG_RESPONSE_HEADER,
  })
  @ApiErrorResponses(400, 404)
  async getPasswordSyncGroup(
    @TenantId() tenantId: string,
    @Param('id', UuidParamPipe) id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PasswordSyncGroupView> {
    const { group, version } = await this.groups.get(tenantId, id);
    void reply.header(ETAG_HEADER, etagOf(version));
    return group;
  }

  @Put(':id')
  @RequireAccess(MANAGE_GROUPS)
  @idParam('update')
  @ApiOperation({
    summary: 'Update password sync group by id',
    description:
      'This API updates the specified password sync group. It replaces name, passwordPolicyId and sourceIds; id may be sent and must match the path; created and modified are ignored. With If-Match it updates only the version named there (412 otherwise).',
  })
  @ifMatchHeader('update')
  @ApiBody({ type: PasswordSyncGroupDto, required: true, examples: { group: { value: { id: EXAMPLE_ID, ...EXAMPLE_BODY } } } })
  @ApiOkResponse({
    description: 'Reference to the password sync group.',
    type: PasswordSyncGroupDto,
    example: EXAMPLE_GROUP,
    headers: ETAG_RESPONSE_HEADER,
  })
  @ApiErrorResponses(400, 404, 412)
  async updatePasswordSyncGroup(
    @TenantId() tenantId: string,
    @Param('id', UuidParamPipe) id: string,
    @Body() body: PasswordSyncGroupDto,
    @IfMatchHeader() ifMatch: IfMatch | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PasswordSyncGroupView> {
    if (body.id !== undefined && (typeof body.id !== 'string' || body.id.toLowerCase() !== id)) {
      throw new IdMismatchError(body.id, id);
    }
    const { group, version } = await this.groups.update(tenantId, id, body, expectedVersions(ifMatch));
    void reply.header(ETAG_HEADER, etagOf(version));
    return group;
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireAccess(MANAGE_GROUPS)
  @idParam('delete')
  @ApiOperation({
    summary: 'Delete password sync group by id',
    description:
      'This API deletes the specified password sync group. With If-Match it deletes only the version named there (412 otherwise).',
  })
  @ifMatchHeader('delete')
  @ApiNoContentResponse({
    description: 'No content - indicates the request was successful but there is no content to be returned in the response.',
  })
  @ApiErrorResponses(400, 404, 412)
  async deletePasswordSyncGroup(
    @TenantId() tenantId: string,
    @Param('id', UuidParamPipe) id: string,
    @IfMatchHeader() ifMatch: IfMatch | undefined,
  ): Promise<void> {
    await this.groups.remove(tenantId, id, expectedVersions(ifMatch));
  }
}
