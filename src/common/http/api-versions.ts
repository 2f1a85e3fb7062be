import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';

/**
 * SailPoint serves this API under several version prefixes. Every route of this service
 * answers at its bare path and under each prefix: Fastify's `rewriteUrl` strips the prefix
 * before routing (so a team's new module gets the prefixes for free) and remembers it on the
 * raw request, where the rate limiter reads it (each prefix is its own budget, as SailPoint's).
 */
export const API_VERSION_PREFIXES = ['v3', 'beta', 'v2024', 'v2025', 'v2026'] as const;
export type ApiVersion = (typeof API_VERSION_PREFIXES)[number] | 'bare';

const API_VERSION = Symbol('apiVersion');
const PREFIX = new RegExp(`^/(${API_VERSION_PREFIXES.join('|')})(?=/|\\?|$)`);

/** Fastify types its raw request as either kind of server's; this service runs HTTP/1.1. */
type RawRequest = IncomingMessage | Http2ServerRequest;
type VersionedMessage = RawRequest & { [API_VERSION]?: ApiVersion };

export function rewriteVersionedUrl(req: RawRequest): string {
  const url = req.url ?? '/';
  const match = PREFIX.exec(url);
  (req as VersionedMessage)[API_VERSION] = match ? (match[1] as ApiVersion) : 'bare';
  if (!match) return url;
  const rest = url.slice(match[0].length);
  return rest.startsWith('/') ? rest : `/${rest}`;
}

export function apiVersionOf(req: RawRequest): ApiVersion {
  return (req as VersionedMessage)[API_VERSION] ?? 'bare';
}
