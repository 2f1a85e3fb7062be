import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { API_VERSION_PREFIXES } from '../http/api-versions';

export const BEARER_SCHEME = 'userAuth';
export const DOCS_PATH = 'docs';

const TAG_DESCRIPTION = `Use this API to implement password sync group functionality.
With this functionality in place, administrators can group sources into password sync groups so that all their applications share the same password.
This allows users to update the password for all the applications in a sync group if they want, rather than updating each password individually.

A password sync group is a group of applications that shares a password.
Administrators create these groups by grouping the applications' sources.

Every operation is served at the bare path and under each SailPoint version prefix; pick one in the *Servers* list.
Authorize with a bearer JWT carrying the \`ORG_ADMIN\` authority and a scope of this API (\`npm run token\` mints one for the development signing key).`;

/** Builds the OpenAPI document from the decorators of the application's controllers. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Password Sync Groups API')
    .setDescription(
      "A self-hostable, contract-exact implementation of SailPoint Identity Security Cloud's Password Sync Groups API.",
    )
    .setVersion('v2026')
    .addServer('/', 'Bare path')
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
    );
  for (const prefix of API_VERSION_PREFIXES) config.addServer(`/${prefix}`, `SailPoint ${prefix} prefix`);
  return SwaggerModule.createDocument(app, config.build(), {
    operationIdFactory: (_controllerKey, methodKey) => methodKey,
  });
}

/** Serves Swagger UI at /docs and the document at /docs-json. */
export function setupSwagger(app: INestApplication): OpenAPIObject {
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup(DOCS_PATH, app, document, {
    jsonDocumentUrl: `${DOCS_PATH}-json`,
    swaggerOptions: { persistAuthorization: true, displayOperationId: true },
    customSiteTitle: 'Password Sync Groups API',
  });
  return document;
}
