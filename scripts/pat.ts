/**
 * Personal access tokens straight in the configured database (the same environment as the
 * service): the production bootstrap, since a PAT is otherwise made by a signed-in user.
 *
 *   npm run pat -- create --tenant acme --owner-id 2c91… --owner-name jane.doe --authorities ORG_ADMIN \
 *                         --scopes sp:scopes:all --name "CI pipeline" [--expiration-date 2027-01-01T00:00:00Z |
 *                         --never-expires] [--validity-seconds 43200]
 *   npm run pat -- list --tenant acme [--owner-id 2c91…]
 *   npm run pat -- delete --tenant acme --id <client id>
 *
 * `create` prints the client id and secret once, as SAIL_* export lines, and refuses what the
 * API would refuse (same validation and rules, through the same service). Lists take commas or spaces.
 * `create` and `delete` are in the audit trail (docs/operations.md) with the actor
 * `{"identityId":null,"clientId":"npm-run-pat"}` and no tracking id.
 */
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { parseArgs } from 'node:util';
import { AppModule } from '../src/app.module';
import { PinoNestLogger, createRootLogger } from '../src/common/logging/logger';
import type { Principal } from '../src/common/auth/principal';
import { systemActor } from '../src/common/auth/principal.decorator';
import { DomainError } from '../src/common/errors/domain-error';
import { ApiValidationPipe } from '../src/common/validation/api-validation.pipe';
import { ConfigError, loadConfig } from '../src/config/app-config';
import { CreatePersonalAccessTokenDto, patView } from '../src/personal-access-tokens/dto/personal-access-token.dto';
import { PAT_ID } from '../src/personal-access-tokens/pat-secrets';
import { PatNotFoundError } from '../src/personal-access-tokens/personal-access-tokens.errors';
import { PersonalAccessTokensRepository } from '../src/personal-access-tokens/personal-access-tokens.repository';
import { PersonalAccessTokensService } from '../src/personal-access-tokens/personal-access-tokens.service';

const USAGE = `usage: npm run pat -- create --tenant T --owner-id ID [--owner-name NAME] --authorities A[,B] [--scopes S[,S]]
                            --name NAME (--expiration-date ISO | --never-expires) [--validity-seconds N]
       npm run pat -- list --tenant T [--owner-id ID]
       npm run pat -- delete --tenant T --id CLIENT_ID
`;
/** The client id of this program, for its principal and in the audit trail. */
const CLIENT_ID = 'npm-run-pat';
const list = (value: string | undefined) => (value ?? '').split(/[\s,]+/).filter(Boolean);

class UsageError extends Error {}

function required(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

async function run(argv: string[], app: () => Promise<INestApplicationContext>): Promise<string> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      tenant: { type: 'string' },
      'owner-id': { type: 'string' },
      'owner-name': { type: 'string' },
      authorities: { type: 'string' },
      scopes: { type: 'string', default: 'sp:scopes:all' },
      name: { type: 'string' },
      'expiration-date': { type: 'string' },
      'never-expires': { type: 'boolean', default: false },
      'validity-seconds': { type: 'string' },
      id: { type: 'string' },
    },
    strict: true,
  });
  const tenantId = required(values, 'tenant');
  if (command === 'create') {
    const ownerId = required(values, 'owner-id');
    const authorities = list(required(values, 'authorities'));
    const scopes = list(values.scopes);
    const validity = values['validity-seconds'];
    const body: Record<string, unknown> = {
      name: required(values, 'name'),
      scope: scopes,
      userAwareTokenNeverExpires: values['never-expires'],
    };
    if (values['expiration-date'] !== undefined) body.expirationDate = values['expiration-date'];
    if (validity !== undefined) body.accessTokenValiditySeconds = /^\d+$/.test(validity) ? Number(validity) : validity;
    // The API's validation, then the service's rules, as for POST /personal-access-tokens by this user.
    const input = (await new ApiValidationPipe().transform(body, {
      type: 'body',
      metatype: CreatePersonalAccessTokenDto,
    })) as CreatePersonalAccessTokenDto;
    const creator: Principal = {
      tenantId,
      clientId: CLIENT_ID,
      identityId: ownerId,
      userName: values['owner-name'] ?? ownerId,
      authorities: new Set(authorities),
      scopes: new Set(scopes),
    };
    const tokens = (await app()).get(PersonalAccessTokensService);
    const created = await tokens.create(creator, systemActor(tenantId, CLIENT_ID), input);
    process.stderr.write(
      `Created personal access token '${created.name}' for ${created.owner.name} (${created.owner.id}) in tenant ` +
        `${tenantId}, scopes ${created.scope?.join(' ')}, expires ${created.expirationDate ?? 'never'}. ` +
        'The secret is shown only now.\n',
    );
    return `export SAIL_CLIENT_ID=${created.id}\nexport SAIL_CLIENT_SECRET=${created.secret}\n`;
  }
  if (command === 'list') {
    const repository = (await app()).get(PersonalAccessTokensRepository);
    const views = [];
    for (let offset = 0; ; offset += 250) {
      const page = await repository.list({
        tenantId,
        ownerId: values['owner-id'],
        limit: 250,
        offset,
        withTotal: false,
      });
      views.push(...page.items.map(patView));
      if (page.items.length < 250) break;
    }
    return views.map((v) => JSON.stringify(v)).join('\n') + (views.length ? '\n' : '');
  }
  if (command === 'delete') {
    const id = required(values, 'id').toLowerCase();
    if (!PAT_ID.test(id)) throw new UsageError('--id must be a personal access token id (32 hexadecimal characters)');
    const tokens = (await app()).get(PersonalAccessTokensService);
    await tokens.removeAsOperator(systemActor(tenantId, CLIENT_ID), id).catch((err: unknown) => {
      if (!(err instanceof PatNotFoundError)) throw err;
      throw new DomainError('NOT_FOUND', [`Personal access token '${id}' was not found in tenant ${tenantId}.`]);
    });
    return `Deleted personal access token ${id}.\n`;
  }
  throw new UsageError(command ? `unknown command ${command}` : 'a command is required');
}

async function main(): Promise<void> {
  let app: INestApplicationContext | undefined;
  // The application's modules without the HTTP server: the same services, rules and database.
  const start = async () => {
    const config = loadConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL || 'warn' });
    const logger = createRootLogger(config);
    app ??= await NestFactory.createApplicationContext(AppModule.forRoot(config, logger), {
      logger: new PinoNestLogger(logger),
      abortOnError: false,
    });
    return app;
  };
  try {
    process.stdout.write(await run(process.argv.slice(2), start));
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${(err as Error).message}\n${USAGE}`);
      process.exitCode = 2;
    } else if (err instanceof DomainError) {
      process.stderr.write(`Refused: ${err.causes.join(' ')}\n`);
      process.exitCode = 1;
    } else if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exitCode = 1;
    } else {
      throw err;
    }
  } finally {
    await app?.close();
  }
}

void main();
