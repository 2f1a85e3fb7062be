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

/** The request's `If-Match`, parsed; a malformed one is a 400 before the handler runs. */
export const IfMatchHeader = createParamDecorator((_data: unknown, context: ExecutionContext) =>
  parseIfMatch(context.switchToHttp().getRequest<FastifyRequest>().headers['if-match']),
);
