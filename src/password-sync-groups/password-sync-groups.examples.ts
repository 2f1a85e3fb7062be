import { BadRequestError, DomainError } from '../common/errors/domain-error';
import { PAGING_ERROR_EXAMPLES } from '../common/pagination/paging-query';
import type { ErrorExample } from '../common/swagger/api-error-responses.decorator';
import { unknownProperty } from '../common/validation/api-validation.pipe';
import { notAUuid } from '../common/validation/uuid-param.pipe';
import { nameProblem } from '../common/validation/text-rules';
import { passwordPolicyIdProblem, sourceIdsProblem } from './dto/password-sync-group.dto';
import {
  GroupChangedError,
  GroupNotFoundError,
  IdMismatchError,
  NameTakenError,
  SourceAlreadyInGroupError,
} from './password-sync-groups.errors';

/**
 * The examples of the OpenAPI document. Request and response bodies follow SailPoint's spec;
 * error bodies are built from the same errors the service throws, so each example is a body
 * the service really sends (test/openapi-examples.e2e-spec.ts reproduces every one).
 */
export const EXAMPLE_ID = '6881f631-3bd5-4213-9c75-8e05cc3e35dd';
export const OTHER_EXAMPLE_ID = '9a5d2e0f-4c1b-4f7e-8d3a-2b6c7e1f0a94';

/** SailPoint's request example. */
export const EXAMPLE_BODY = {
  name: 'Password Sync Group 2',
  passwordPolicyId: '2c91808d744ba0ce01746f93b6204501',
  sourceIds: ['2c918084660f45d6016617daa9210584', '2c918084660f45d6016617daa9210500'],
};

export const EXAMPLE_GROUP = {
  id: EXAMPLE_ID,
  ...EXAMPLE_BODY,
  created: '2026-11-21T04:00:00.000Z',
  modified: '2026-11-21T04:00:00.000Z',
};

export const EXAMPLE_LIST = [
  {
    id: EXAMPLE_ID,
    name: 'Password Sync Group 1',
    passwordPolicyId: '2c91808d744ba0ce01746f93b6204501',
    sourceIds: ['2c918084660f45d6016617daa9210584', '2c918084660f45d6016617daa9210500'],
    created: '2026-11-21T04:00:00.000Z',
    modified: '2026-11-21T04:00:00.000Z',
  },
  {
    id: OTHER_EXAMPLE_ID,
    name: 'Password Sync Group 2',
    passwordPolicyId: '2c91808d744ba0ce01746f93b6204501',
    sourceIds: ['2c9180835d2e5168015d32f890ca1581'],
    created: '2026-11-22T09:30:00.000Z',
    modified: '2026-11-23T16:05:12.345Z',
  },
];

/** The group that holds the name and the source in the conflict examples. */
const HOLDER = { id: EXAMPLE_ID, name: 'Password Sync Group 1' };

const BODY_ERRORS: Record<string, ErrorExample> = {
  'Missing and invalid fields': new BadRequestError([
    nameProblem('')!,
    passwordPolicyIdProblem(undefined)!,
    sourceIdsProblem([])!,
  ]),
  'Unknown property': new BadRequestError(unknownProperty('owner')),
  'Name already taken': new NameTakenError(HOLDER.name, HOLDER.id),
  'Source already in another group': new SourceAlreadyInGroupError([
    { sourceId: EXAMPLE_BODY.sourceIds[0], groupId: HOLDER.id, groupName: HOLDER.name },
  ]),
  'Body is not valid JSON': new DomainError('BAD_SYNTAX', [
    "Body is not valid JSON but content-type is set to 'application/json'",
  ]),
  'Body over 1 MiB': new DomainError('PAYLOAD_TOO_LARGE', [
    'The request body exceeds the limit of 1 MiB (1048576 bytes).',
  ]),
  'Body sent as text/plain': new DomainError('UNSUPPORTED_MEDIA_TYPE', [
    'Content-Type text/plain is not supported; send application/json.',
  ]),
};

const BAD_PATH_ID = new BadRequestError(notAUuid('id', 'not-a-uuid'));
const NOT_FOUND = new GroupNotFoundError(EXAMPLE_ID);

export const LIST_ERRORS: Record<string, ErrorExample> = { ...PAGING_ERROR_EXAMPLES };

export const CREATE_ERRORS: Record<string, ErrorExample> = { ...BODY_ERRORS };

export const GET_ERRORS: Record<string, ErrorExample> = {
  'Path id is not a UUID': BAD_PATH_ID,
  'No such group in this tenant': NOT_FOUND,
};

/** If-Match named another version: the group is at version 1 (ETag "1"). */
const STALE_IF_MATCH = new GroupChangedError(EXAMPLE_ID, 1);

export const UPDATE_ERRORS: Record<string, ErrorExample> = {
  'Path id is not a UUID': BAD_PATH_ID,
  'id in the body differs from the path': new IdMismatchError(OTHER_EXAMPLE_ID, EXAMPLE_ID),
  ...BODY_ERRORS,
  'No such group in this tenant': NOT_FOUND,
  'If-Match is not the current ETag': STALE_IF_MATCH,
};

export const DELETE_ERRORS: Record<string, ErrorExample> = {
  'Path id is not a UUID': BAD_PATH_ID,
  'No such group in this tenant': NOT_FOUND,
  'If-Match is not the current ETag': STALE_IF_MATCH,
};
