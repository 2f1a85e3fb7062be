/**
 * Writes the OpenAPI document to openapi.json without listening on a port: the app is built
 * (on a throwaway in-memory SQLite database) and the document generated from its decorators.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateOpenApiJson } from '../src/openapi-file';

void generateOpenApiJson().then((json) => {
  writeFileSync(join(__dirname, '..', 'openapi.json'), json);
  process.stdout.write('openapi.json written\n');
});
