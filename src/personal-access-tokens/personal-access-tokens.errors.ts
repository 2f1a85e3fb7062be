import { BadRequestError, ForbiddenError, NotFoundError } from '../common/errors/domain-error';

export class PatNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`Personal access token '${id}' was not found.`);
  }
}

export class PatNameTakenError extends BadRequestError {
  constructor(name: string) {
    super(`You already have a personal access token named '${name}'; names are unique per owner.`);
  }
}

/** A PAT never grants more than its creator's token had. */
export class ScopeEscalationError extends ForbiddenError {
  constructor(missing: readonly string[]) {
    super([
      `The token cannot grant scopes it does not hold: ${missing.join(', ')}. A personal access token's scopes must be within the creating token's scopes (sp:scopes:all covers all).`,
    ]);
  }
}

export class OthersTokensForbiddenError extends ForbiddenError {
  constructor(action: 'read' | 'manage') {
    super([
      `Only ORG_ADMIN with sp:all-personal-access-tokens:${action} (or sp:scopes:all) may ${action} other users' personal access tokens.`,
    ]);
  }
}

/** With JWT_JWKS_URI or JWT_PUBLIC_KEY the service cannot sign tokens, so a PAT could never be used. */
export class NoSigningKeyError extends BadRequestError {
  constructor() {
    super(
      'This service verifies tokens from an outside identity provider (JWT_JWKS_URI or JWT_PUBLIC_KEY) and has no key to sign its own, so a personal access token could not be exchanged for an access token. Get tokens from that identity provider.',
    );
  }
}
