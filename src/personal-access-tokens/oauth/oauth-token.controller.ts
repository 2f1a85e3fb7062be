import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../../common/auth/access.decorator';
import { AcceptsFormBodies, type FormFields } from '../../common/http/form-bodies';
import { OAuthTokenService, type TokenRequest } from './oauth-token.service';

/**
 * `POST /oauth/token`, where SailPoint's SDKs, CLI and tools trade a PAT's client id and secret
 * for an access token. Public (it is how one gets a token); its failures are rate limited by
 * `FailedAttempts`, not by the API's per-client budget. Its errors are OAuth's (RFC 6749 §5.2),
 * not SailPoint's envelopes, since OAuth clients read those.
 */
@ApiTags('OAuth')
@Controller('oauth')
export class OAuthTokenController {
  constructor(private readonly tokens: OAuthTokenService) {}

  @Post('token')
  @Public()
  @AcceptsFormBodies()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Get an access token (client credentials)',
    description:
      "RFC 6749 §4.4: `grant_type=client_credentials` with a personal access token's id as `client_id` and its " +
      'secret as `client_secret`, in an `application/x-www-form-urlencoded` or `multipart/form-data` body, in the ' +
      'query string, or as HTTP Basic credentials. An optional `scope` (space-separated) narrows the token. ' +
      'Errors are RFC 6749 §5.2 bodies (`invalid_request`, `invalid_client` with a 401 and `WWW-Authenticate`, ' +
      '`unsupported_grant_type`, `invalid_scope`); failed attempts are limited per client id and per IP (429 with ' +
      '`Retry-After`). Without a signing key (JWT_JWKS_URI / JWT_PUBLIC_KEY) every request is `unsupported_grant_type`.',
  })
  @ApiConsumes('application/x-www-form-urlencoded', 'multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['grant_type'],
      properties: {
        grant_type: { type: 'string', enum: ['client_credentials'] },
        client_id: { type: 'string', example: '86f1dc6fe8f54414950454cbb11278fa' },
        client_secret: { type: 'string', format: 'password' },
        scope: { type: 'string', description: "Space-separated scopes within the PAT's, to narrow the token." },
      },
    },
  })
  @ApiOkResponse({
    description: 'The access token (a JWT the API accepts as a bearer token) and who it acts as.',
    schema: {
      type: 'object',
      properties: {
        access_token: { type: 'string' },
        token_type: { type: 'string', example: 'bearer' },
        expires_in: { type: 'integer', example: 43199 },
        scope: { type: 'string', example: 'sp:scopes:all' },
        tenant_id: { type: 'string' },
        pod: { type: 'string', example: 'self-hosted' },
        strong_auth_supported: { type: 'boolean' },
        org: { type: 'string' },
        identity_id: { type: 'string' },
        user_name: { type: 'string' },
        strong_auth: { type: 'boolean' },
        jti: { type: 'string' },
      },
    },
  })
  async getToken(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const body = request.body;
    const input: TokenRequest = {
      body: body === undefined || body === null ? undefined : isForm(request) ? (body as FormFields) : 'other',
      query: request.query as TokenRequest['query'],
      authorization: request.headers.authorization,
      ip: request.ip,
    };
    const result = await this.tokens.exchange(input);
    if ('access_token' in result) {
      // RFC 6749 §5.1: a token response is never cached.
      await reply.status(200).headers({ 'Cache-Control': 'no-store', Pragma: 'no-cache' }).send(result);
      return;
    }
    await reply.status(result.status).headers(result.headers).send(result.body);
  }
}

function isForm(request: FastifyRequest): boolean {
  const type = (request.headers['content-type'] ?? '').toLowerCase();
  return type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data');
}
