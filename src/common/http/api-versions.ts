import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';

/**
 * SailPoint serves its APIs in two URL shapes, and every route of this service answers in both:
 *
 * - a yearly prefix before the path: `/v3/password-sync-groups/{id}` (also `/beta`, `/v2024` …
 *   and `/latest`, SailPoint's alias of the newest yearly version), what SDK 1.x calls;
 * - a per-service version after the first path segment: `/password-sync-groups/v1/{id}`, what
 *   SailPoint's current SDKs (TypeScript 2.x, Go, Python, PowerShell) call.
 *
 * Fastify's `rewriteUrl` removes either before routing, so a feature module declares only its bare
 * routes and gets both shapes for free, and remembers which one was used on the raw request: the
 * rate limiter reads it (each version is its own budget, as SailPoint's) and so does the request
 * log (its `route` is the path as called). A second segment shaped like a version (`v` and digits)
 * is never an id: an unknown one (`/password-sync-groups/v2`), or one behind a yearly prefix, is
 * rewritten to a path no route matches, so it is SailPoint's 404.
 */
export const API_VERSION_PREFIXES = ['v3', 'beta', 'v2024', 'v2025', 'v2026', 'latest'] as const;
/** The per-service versions: `/{service}/v1…`. */
export const SERVICE_API_VERSIONS = ['v1'] as const;
export type YearlyApiVersion = (typeof API_VERSION_PREFIXES)[number];
export type ServiceApiVersion = (typeof SERVICE_API_VERSIONS)[number];
export type ApiVersion = YearlyApiVersion | ServiceApiVersion | 'bare';

const API_VERSION = Symbol('apiVersion');
/** Starts with `//`, which no route does: the router answers 404 (the filter names the URL as called). */
const UNROUTABLE = '//unknown-api-version';
const SLASH = 0x2f;
const QUESTION_MARK = 0x3f;
const LOWER_V = 0x76;
const UPPER_V = 0x56;

/** Fastify types its raw request as either kind of server's; this service runs HTTP/1.1. */
type RawRequest = IncomingMessage | Http2ServerRequest;
type VersionedMessage = RawRequest & { [API_VERSION]?: ApiVersion };

/** Index of the `/` or `?` that ends the path segment starting at `from` (or the URL's length). */
function segmentEnd(url: string, from: number): number {
  let i = from;
  while (i < url.length) {
    const c = url.charCodeAt(i);
    if (c === SLASH || c === QUESTION_MARK) return i;
    i++;
  }
  return i;
}

/** The yearly prefix spelled by url[1, end), if any. Compared in place: this runs on every request. */
function yearlyPrefix(url: string, end: number): YearlyApiVersion | undefined {
  for (const prefix of API_VERSION_PREFIXES) {
    if (prefix.length === end - 1 && url.startsWith(prefix, 1)) return prefix;
  }
  return undefined;
}

/**
 * Where the segment starting at `from` ends if it is shaped like a version (`v`, either case, and
 * one or more digits), else -1. An id is rejected at its first character or two, unscanned.
 */
function versionSegmentEnd(url: string, from: number): number {
  const v = url.charCodeAt(from);
  if (v !== LOWER_V && v !== UPPER_V) return -1;
  let i = from + 1;
  while (i < url.length) {
    const c = url.charCodeAt(i);
    if (c === SLASH || c === QUESTION_MARK) break;
    if (c < 0x30 || c > 0x39) return -1;
    i++;
  }
  return i > from + 1 ? i : -1;
}

function serviceVersion(url: string, from: number, end: number): ServiceApiVersion | undefined {
  for (const version of SERVICE_API_VERSIONS) {
    if (version.length === end - from && url.startsWith(version, from)) return version;
  }
  return undefined;
}

export function rewriteVersionedUrl(req: RawRequest): string {
  const message = req as VersionedMessage;
  const url = req.url ?? '/';
  message[API_VERSION] = 'bare';
  if (url.charCodeAt(0) !== SLASH) return url;
  const firstEnd = segmentEnd(url, 1);
  const yearly = yearlyPrefix(url, firstEnd);
  // The resource segment: the first one, or the one after a yearly prefix (none after `/v3?…`).
  const resourceStart = !yearly ? 1 : url.charCodeAt(firstEnd) === SLASH ? firstEnd + 1 : url.length;
  const resourceEnd = yearly ? segmentEnd(url, resourceStart) : firstEnd;
  if (resourceEnd > resourceStart && url.charCodeAt(resourceEnd) === SLASH) {
    const versionEnd = versionSegmentEnd(url, resourceEnd + 1);
    if (versionEnd > 0) {
      const version = yearly ? undefined : serviceVersion(url, resourceEnd + 1, versionEnd);
      if (!version) return UNROUTABLE;
      message[API_VERSION] = version;
      return url.slice(0, resourceEnd) + url.slice(versionEnd);
    }
  }
  if (!yearly) return url;
  message[API_VERSION] = yearly;
  if (firstEnd === url.length) return '/';
  return url.charCodeAt(firstEnd) === SLASH ? url.slice(firstEnd) : `/${url.slice(firstEnd)}`;
}

export function isServiceApiVersion(version: ApiVersion): version is ServiceApiVersion {
  return (SERVICE_API_VERSIONS as readonly string[]).includes(version);
}

export function apiVersionOf(req: RawRequest): ApiVersion {
  return (req as VersionedMessage)[API_VERSION] ?? 'bare';
}

const ROUTE_TEMPLATE = Symbol('route template');

/**
 * The matched route's pattern (undefined when none matched), read once per request: Fastify's
 * `routeOptions` getter builds a new object on every call, and the log line, metrics and traces
 * each need the pattern.
 */
export function routeTemplateOf(request: { routeOptions: { url?: string } }): string | undefined {
  const memo = request as { [ROUTE_TEMPLATE]?: string | null };
  let template = memo[ROUTE_TEMPLATE];
  if (template === undefined) {
    template = request.routeOptions.url ?? null;
    memo[ROUTE_TEMPLATE] = template;
  }
  return template ?? undefined;
}

/** What the request log names as the route: the matched route's pattern, in the URL shape the client used. */
export function routeAsCalled(request: {
  raw: RawRequest;
  routeOptions: { url?: string };
  originalUrl: string;
}): string {
  const pattern = routeTemplateOf(request);
  if (pattern === undefined) {
    // No route matched: the path exactly as sent (the query string can hold anything).
    const query = request.originalUrl.indexOf('?');
    return query < 0 ? request.originalUrl : request.originalUrl.slice(0, query);
  }
  const version = apiVersionOf(request.raw);
  if (version === 'bare') return pattern;
  if (isServiceApiVersion(version)) {
    const end = segmentEnd(pattern, 1);
    return `${pattern.slice(0, end)}/${version}${pattern.slice(end)}`;
  }
  return `/${version}${pattern}`;
}
