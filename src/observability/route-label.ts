import type { FastifyRequest } from 'fastify';
import { apiVersionOf, routeTemplateOf } from '../common/http/api-versions';

/**
 * The route template as the request log names it (`/v3/password-sync-groups/:id`), for metric
 * labels and span names; `unmatched` when no route matched (never the raw URL).
 */
export function routeLabel(request: FastifyRequest): string {
  const template = routeTemplateOf(request);
  if (template === undefined) return 'unmatched';
  const version = apiVersionOf(request.raw);
  return version === 'bare' ? template : `/${version}${template}`;
}
