import type { INestApplication } from '@nestjs/common';
import {
  DocumentBuilder,
  SwaggerModule,
  type OpenAPIObject,
  type OperationObject,
  type PathItemObject,
} from '@nestjs/swagger';
import { API_VERSION_PREFIXES, SERVICE_API_VERSIONS } from '../http/api-versions';

/** A bearer JWT pasted in (from `npm start`, `npm run token` or an identity provider). */
export const BEARER_SCHEME = 'bearerAuth';
/** SailPoint's two OAuth2 schemes: Authorize with a personal access token's id and secret. */
export const USER_AUTH_SCHEME = 'userAuth';
export const APPLICATION_AUTH_SCHEME = 'applicationAuth';
/** Relative: Swagger UI resolves it against the page, so it works on any host. */
export const TOKEN_URL = '/oauth/token';
/** The scopes offered in the Authorize dialog (none picked: the PAT's own scopes). */
const OAUTH_SCOPES = {
  'sp:scopes:all': 'access to all scopes',
  'idn:password-sync-group:read': 'read password sync groups',
  'idn:password-sync-group:manage': 'manage password sync groups',
  'sp:my-personal-access-tokens:manage': 'manage your personal access tokens',
};
export const DOCS_PATH = 'docs';

/** SailPoint's own tag description, then how to try the API on this service. */
const TAG_DESCRIPTION = `Use this API to implement password sync group functionality.
With this functionality in place, administrators can group sources into password sync groups so that all their applications share the same password.
This allows users to update the password for all the applications in a sync group if they want, rather than updating each password individually.

A password sync group is a group of applications that shares a password.
Administrators create these groups by grouping the applications' sources.
For example, an administrator can group the ActiveDirectory, GitHub, and G Suite sources together so that all those sources' applications can also be grouped to share a password.
A user can then update his or her password for ActiveDirectory, GitHub, Gmail, Google Drive, and Google Calendar all at once, rather then updating each one individually.

Refer to [Managing Password Sync Groups](https://documentation.sailpoint.com/saas/help/pwd/sync_grps.html) for more information about password sync groups.

**Trying it here**

1. **Authorize** with a bearer JWT carrying the \`ORG_ADMIN\` authority and a scope of this API. In development the service prints a ready-to-paste token when it starts; \`npm run token\` mints another. Or, under **userAuth**, sign in as SailPoint's tools do: a personal access token's id as client_id and its secret as client_secret (in development \`npm start\` prints one as SAIL_CLIENT_ID / SAIL_CLIENT_SECRET).
2. Use the operations on the per-service paths (\`/password-sync-groups/v1\`, \`/personal-access-tokens/v1\`), listed first: what SailPoint's current SDKs (TypeScript 2.x, Go, Python, PowerShell) call; their operationIds end in \`V1\`. The operations after them are the older, yearly form that SDK 1.x calls: pick a **server** for them, the bare path or one of SailPoint's yearly prefixes (\`/v3\`, \`/beta\`, \`/v2024\` … \`/latest\`). All of them serve the same operations on the same data.
3. Open an operation, press **Try it out**, then **Execute**. Every error example below is a body the service really sends; each response carries an \`X-Tracking-Id\` header that is also written in the service's log.`;

/** Builds the OpenAPI document from the decorators of the application's controllers. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Password Sync Groups API')
    .setDescription(
      "A self-hostable, contract-exact implementation of SailPoint Identity Security Cloud's Password Sync Groups API.",
    )
    .setVersion('v2026')
    .addServer('/', 'This service, bare path')
    .addTag('Password Sync Groups', TAG_DESCRIPTION)
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description:
          'A JWT as SailPoint issues them: `tenant_id`, `authorities` (needs `ORG_ADMIN`), `scope`, `client_id`, and `identity_id` for user tokens.',
      },
      BEARER_SCHEME,
    )
    .addOAuth2(
      {
        type: 'oauth2',
        description:
          "SailPoint's personal access token sign-in: a PAT's id as client_id and its secret as client_secret are " +
          "exchanged at `POST /oauth/token` (client credentials) for a token acting as the PAT's owner. In development, " +
          "`npm start` prints a PAT (SAIL_CLIENT_ID / SAIL_CLIENT_SECRET). Pick no scope to get all of the PAT's.",
        flows: { clientCredentials: { tokenUrl: TOKEN_URL, scopes: OAUTH_SCOPES } },
      },
      USER_AUTH_SCHEME,
    )
    .addOAuth2(
      {
        type: 'oauth2',
        description:
          "SailPoint's client-credentials scheme. This service issues tokens for personal access tokens only, so it " +
          'works exactly as userAuth: client_id and client_secret of a PAT.',
        flows: { clientCredentials: { tokenUrl: TOKEN_URL, scopes: OAUTH_SCOPES } },
      },
      APPLICATION_AUTH_SCHEME,
    );
  for (const prefix of API_VERSION_PREFIXES) {
    const alias = prefix === 'latest' ? ' (its alias of the newest yearly version)' : '';
    config.addServer(`/${prefix}`, `SailPoint's /${prefix} prefix${alias}`);
  }
  const document = SwaggerModule.createDocument(app, config.build(), {
    operationIdFactory: (_controllerKey, methodKey) => methodKey,
  });
  return withServicePaths(document);
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const SERVICE_NOTE =
  "**SailPoint's per-service path**: what its current SDKs call, and the form to use. Served at this path " +
  'only (no yearly prefix in front).';
const YEARLY_NOTE =
  'The yearly form, at the bare path or under a prefix server (`/v3`, `/beta`, `/v2024` … `/latest`), as ' +
  "SailPoint's SDK 1.x calls it; the same operation as its per-service twin above.";

/**
 * SailPoint's per-service paths (`/password-sync-groups/v1/{id}`) are routed by the same handlers
 * (see api-versions.ts), so the controllers declare them nowhere. Here every documented path gets
 * its twin: listed first, with SailPoint's `V1` operationIds, and with a path-level server of its
 * own, since `v1` sits after the resource and a yearly prefix server cannot go in front of it.
 */
function withServicePaths(document: OpenAPIObject): OpenAPIObject {
  const servicePaths: Record<string, PathItemObject> = {};
  const yearlyPaths: Record<string, PathItemObject> = {};
  for (const [path, item] of Object.entries(document.paths)) {
    // Public routes (POST /oauth/token) are no API of a service: SailPoint has no /oauth/v1/token.
    if (!METHODS.some((method) => item[method]?.security?.length)) {
      yearlyPaths[path] = item;
      continue;
    }
    const end = path.indexOf('/', 1) < 0 ? path.length : path.indexOf('/', 1);
    const yearly: PathItemObject = { ...item };
    for (const version of SERVICE_API_VERSIONS) {
      const twin: PathItemObject = {
        ...item,
        servers: [{ url: '/', description: `This service, per-service path (${version})` }],
      };
      for (const method of METHODS) {
        const op = item[method];
        if (!op) continue;
        twin[method] = noted(op, `${op.operationId ?? method}${version.toUpperCase()}`, SERVICE_NOTE);
        yearly[method] = noted(op, op.operationId, YEARLY_NOTE);
      }
      servicePaths[`${path.slice(0, end)}/${version}${path.slice(end)}`] = twin;
    }
    yearlyPaths[path] = yearly;
  }
  return { ...document, paths: { ...servicePaths, ...yearlyPaths } };
}

function noted(op: OperationObject, operationId: string | undefined, note: string): OperationObject {
  return { ...op, operationId, description: op.description ? `${note}\n\n${op.description}` : note };
}

/** Serves Swagger UI at /docs and the document at /docs-json. */
export function setupSwagger(app: INestApplication): OpenAPIObject {
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup(DOCS_PATH, app, document, {
    jsonDocumentUrl: `${DOCS_PATH}-json`,
    swaggerOptions: {
      persistAuthorization: true,
      displayOperationId: true,
      // Show min/max/pattern of parameters and the x-sailpoint-userLevels / x-required-scopes of operations.
      showExtensions: true,
      showCommonExtensions: true,
      displayRequestDuration: true,
      docExpansion: 'list',
      // No badge from validator.swagger.io: the docs page makes no third-party request.
      validatorUrl: null,
    },
    customSiteTitle: 'Password Sync Groups API',
  });
  return document;
}
