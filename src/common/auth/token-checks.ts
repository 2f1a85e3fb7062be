import { Injectable } from '@nestjs/common';
import type { Claims, Principal } from './principal';

/**
 * A check a verified token must also pass, registered by a feature module (e.g. "the personal
 * access token this token was minted from still exists"). It returns the 401 reason when the
 * token must be refused, undefined when it may pass. A check should answer synchronously for
 * tokens it does not concern and from memory for most others: it runs on every request.
 */
export type TokenCheck = (claims: Claims, principal: Principal) => string | undefined | Promise<string | undefined>;

/**
 * The registry of such checks. Shared code cannot name features, so features add their checks
 * here (in `onModuleInit`) and `JwtStrategy` runs them after the signature and claims are good.
 * With no check registered, verification costs what it did before.
 */
@Injectable()
export class TokenChecks {
  private readonly checks: TokenCheck[] = [];

  add(check: TokenCheck): void {
    this.checks.push(check);
  }

  get empty(): boolean {
    return this.checks.length === 0;
  }

  /** The first refusal reason, or undefined. Synchronous while every check answers synchronously. */
  run(claims: Claims, principal: Principal): string | undefined | Promise<string | undefined> {
    for (let i = 0; i < this.checks.length; i++) {
      const result = this.checks[i](claims, principal);
      if (result instanceof Promise) return this.finish(result, i + 1, claims, principal);
      if (result !== undefined) return result;
    }
    return undefined;
  }

  private async finish(
    pending: Promise<string | undefined>,
    next: number,
    claims: Claims,
    principal: Principal,
  ): Promise<string | undefined> {
    const reason = await pending;
    if (reason !== undefined) return reason;
    for (let i = next; i < this.checks.length; i++) {
      const result = await this.checks[i](claims, principal);
      if (result !== undefined) return result;
    }
    return undefined;
  }
}
