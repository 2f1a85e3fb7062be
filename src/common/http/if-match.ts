import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { BadRequestError } from '../errors/domain-error';
import { shown } from '../validation/check.decorator';

/**
 * `If-Match` (RFC 9110 §13.1.1), parsed. `*` matches any current representation; otherwise
 * the condition holds when one of the listed entity tags equals the current one by strong
 * comparison (a weak tag `W/"…"` never matches).
 */
export type IfMatch = { any: true } | { any: false; tags: readonly EntityTag[] };

export interface EntityTag {
  weak: boolean;
  /** The quoted form, e.g. `"3"`. */
  opaque: string;
}

export const IF_MATCH_HEADER = 'If-Match';
export const ETAG_HEADER = 'ETag';

// entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE ; etagc = %x21 / %x23-7E / obs-text (a comma is allowed inside)
const ENTITY_TAG = /(W\/)?("[\x21\x23-\x7e\x80-\xff]*")/y;
const OWS_AND_COMMAS = /[ \t,]*/y;
const OWS = /[ \t]*/y;

/**
 * Parses the header. Absent → `undefined` (no precondition). Anything that is neither `*`
 * nor a comma-separated list of entity tags is the client's mistake: a 400 naming the header,
 * rather than a silent 412 that would hide, say, an unquoted `If-Match: 3`.
 */
export function parseIfMatch(value: string | string[] | undefined): IfMatch | undefined {
  if (value === undefined) return undefined;
  const text = (Array.isArray(value) ? value.join(', ') : value).trim();
  if (text === '*') return { any: true };
  const tags: EntityTag[] = [];
  let at = 0;
  const skip = (pattern: RegExp) => {
    pattern.lastIndex = at;
    pattern.exec(text);
    at = pattern.lastIndex;
  };
  // Empty list elements (", ,") are allowed and ignored (RFC 9110 §5.6.1).
  for (skip(OWS_AND_COMMAS); at < text.length; skip(OWS_AND_COMMAS)) {
    ENTITY_TAG.lastIndex = at;
    const match = ENTITY_TAG.exec(text);
    if (!match) throw invalid(text);
    tags.push({ weak: match[1] !== undefined, opaque: match[2] });
    at = ENTITY_TAG.lastIndex;
    skip(OWS);
    if (at < text.length && text[at] !== ',') throw invalid(text);
  }
  if (tags.length === 0) throw invalid(text);
  return { any: false, tags };
}

function invalid(text: string): BadRequestError {
  return new BadRequestError(
    `Header ${IF_MATCH_HEADER} must be "*" or a comma-separated list of entity tags such as "\\"3\\"" (got ${shown(text)}).`,
  );
}

/** The strong entity tags of a condition: what a strong comparison can match. */
export function strongTags(condition: IfMatch & { any: false }): string[] {
  return condition.tags.filter((t) => !t.weak).map((t) => t.opaque);
}

// Versioned resources: the ETag is the version, and If-Match names the versions a write accepts.

/** A version's strong entity tag: the number, quoted (`"3"`). It changes with every update. */
export const versionEtag = (version: number): string => `"${version}"`;

/** What `versionEtag` makes (a version is a positive integer that fits a 32-bit column). */
const VERSION_ETAG = /^"([1-9][0-9]{0,8})"$/;

/**
 * The versions an If-Match condition accepts, for an atomic `… AND version IN (…)` write:
 * undefined when there is no condition or it is `*` (any existing resource meets it, and a
 * missing one is a 404 either way, RFC 9110 §13.2.1); otherwise the versions whose
 * `versionEtag` equals one of its strong tags, possibly none (then no version matches).
 */
export function versionsMatching(condition: IfMatch | undefined): number[] | undefined {
  if (condition === undefined || condition.any) return undefined;
  const versions: number[] = [];
  for (const tag of strongTags(condition)) {
    const digits = VERSION_ETAG.exec(tag)?.[1];
    if (digits !== undefined) versions.push(Number(digits));
  }
  return versions;
}

/** The versions the request's `If-Match` accepts (`versionsMatching`); a malformed header is a 400 before the handler runs. */
export const IfMatchVersions = createParamDecorator((_data: unknown, context: ExecutionContext) =>
  versionsMatching(parseIfMatch(context.switchToHttp().getRequest<FastifyRequest>().headers['if-match'])),
);
