import { DATABASES } from './databases';

/**
 * The URL shapes of the password sync groups collection, written out literally (not derived from
 * the code they test). Suites run over these so that every contract holds on every shape:
 * `${base}` is the collection, `${base}/${id}` a group.
 */

/** The bare path, as this service has always served it. */
export const BARE_PATH = '/password-sync-groups';
/** SailPoint's per-service path: what its current SDKs (TypeScript 2.x, Go, Python, PowerShell) call. */
export const SERVICE_PATH = '/password-sync-groups/v1';
/** SailPoint's yearly prefixes (SDK 1.x), `/latest` being its alias of the newest. */
export const YEARLY_PATHS = [
  '/v3/password-sync-groups',
  '/beta/password-sync-groups',
  '/v2024/password-sync-groups',
  '/v2025/password-sync-groups',
  '/v2026/password-sync-groups',
  '/latest/password-sync-groups',
];
/** Every shape the service answers. */
export const ALL_PATHS = [BARE_PATH, ...YEARLY_PATHS, SERVICE_PATH];
/**
 * What the contract suites (errors, authorization, tenants, ETag, rate limit) run over: the bare
 * path, a yearly prefix and the per-service path. The router is the only thing that tells the
 * yearly prefixes apart, and the lifecycle and paging tests cover each of them.
 */
export const CONTRACT_PATHS = [BARE_PATH, '/v2025/password-sync-groups', SERVICE_PATH];

/** `describe.each(ON_EVERY_DATABASE)('… (%s, at %s)', (kind, API) => …)`: each contract path on each database. */
export const ON_EVERY_DATABASE = DATABASES.flatMap((kind) => CONTRACT_PATHS.map((path) => [kind, path] as const));
