import { BadRequestError, NotFoundError, PreconditionFailedError } from '../common/errors/domain-error';
import { ETAG_HEADER, versionEtag } from '../common/http/if-match';

export class GroupNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`Password sync group '${id}' was not found.`);
  }
}

export interface SourceConflict {
  sourceId: string;
  groupId: string;
  groupName: string;
}

export class SourceAlreadyInGroupError extends BadRequestError {
  constructor(conflicts: SourceConflict[]) {
    super(
      conflicts.map(
        (c) => `Source '${c.sourceId}' already belongs to password sync group '${c.groupName}' (${c.groupId}).`,
      ),
    );
  }
}

export class NameTakenError extends BadRequestError {
  constructor(name: string, holderId: string) {
    super(`A password sync group named '${name}' already exists (${holderId}); names are unique ignoring case.`);
  }
}

export class IdMismatchError extends BadRequestError {
  constructor(bodyId: unknown, pathId: string) {
    super(`id in the body (${JSON.stringify(bodyId)}) must equal the id in the path ('${pathId}') or be omitted.`);
  }
}

export class ConcurrentConflictError extends BadRequestError {
  constructor() {
    super('A concurrent change took a name or source this request needs; read the groups again and retry.');
  }
}

export class GroupChangedError extends PreconditionFailedError {
  constructor(id: string, currentVersion: number) {
    const etag = versionEtag(currentVersion);
    super(
      [
        `If-Match does not match the current ETag of password sync group '${id}', which is ${etag}; read the group again and retry.`,
      ],
      { [ETAG_HEADER]: etag },
    );
  }
}

/**
 * The feature's write conflicts, as the repository reports them (never sent to a client: the
 * service decides what they mean). The driver's error is kept as `cause` for the 500 log line.
 */
export class UniqueConstraintConflict extends Error {
  constructor(cause: unknown) {
    super('A name or source was taken by a concurrent write (unique constraint)', { cause });
  }
}

/** PostgreSQL aborted the transaction (deadlock or serialization failure): nothing was written. */
export class TransientWriteConflict extends Error {
  constructor(cause: unknown) {
    super('The write was aborted by a deadlock or serialization failure', { cause });
  }
}
