import { Busboy } from '@fastify/busboy';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DomainError } from '../errors/domain-error';

/** Route config key of routes that take HTML form bodies (see `AcceptsFormBodies`). */
const FORM_BODY = 'formBody';
/** Form fields arrive as lists: a name sent twice is two values, so a route can refuse the repeat. */
export type FormFields = Record<string, string[]>;

/** Limits for form bodies: token requests carry a handful of short fields. */
export const FORM_LIMITS = { bodyBytes: 64 * 1024, fields: 20, fieldBytes: 8 * 1024 } as const;

/**
 * Marks a route as taking `application/x-www-form-urlencoded` and `multipart/form-data`
 * bodies (parsed into `FormFields`). OAuth's token endpoint needs them (RFC 6749 §4.4.2; SailPoint's
 * SDK posts multipart); every other route stays JSON-only and answers such bodies with a 415.
 */
export const AcceptsFormBodies = () => RouteConfig({ [FORM_BODY]: true });

const acceptsForms = (request: FastifyRequest) =>
  (request.routeOptions.config as unknown as Record<string, unknown> | undefined)?.[FORM_BODY] === true;

const unsupported = (request: FastifyRequest) =>
  new DomainError('UNSUPPORTED_MEDIA_TYPE', [
    `Content-Type ${request.headers['content-type'] ?? '(none)'} is not supported; send application/json.`,
  ]);

const tooLarge = (what: string) => new DomainError('PAYLOAD_TOO_LARGE', [`The form body ${what}.`]);

function add(fields: FormFields, name: string, value: string): void {
  if (Object.hasOwn(fields, name)) fields[name].push(value);
  else fields[name] = [value];
}

/**
 * Registers the two form parsers on the Fastify instance, after `useJsonOnlyBodies`. They
 * parse only on routes marked with `AcceptsFormBodies`; elsewhere the body is refused before
 * it is read. A multipart body's files are refused; fields and sizes are bounded.
 */
export function registerFormBodyParsers(fastify: FastifyInstance): void {
  fastify.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: FORM_LIMITS.bodyBytes },
    (request, body, done) => {
      if (!acceptsForms(request)) return done(unsupported(request));
      const fields: FormFields = Object.create(null) as FormFields;
      let count = 0;
      for (const [name, value] of new URLSearchParams(body as string)) {
        if (++count > FORM_LIMITS.fields) return done(tooLarge(`has more than ${FORM_LIMITS.fields} fields`));
        add(fields, name, value);
      }
      done(null, fields);
    },
  );
  fastify.addContentTypeParser('multipart/form-data', (request, payload, done) => {
    if (!acceptsForms(request)) return done(unsupported(request));
    const fields: FormFields = Object.create(null) as FormFields;
    let failure: Error | undefined;
    let finished = false;
    const finish = (err: Error | undefined) => {
      if (finished) return;
      finished = true;
      if (err) {
        // Stop reading: the rest of the body is discarded with the connection's next request.
        payload.unpipe(parser);
        payload.resume();
        done(err);
      } else done(null, fields);
    };
    let parser: InstanceType<typeof Busboy>;
    try {
      parser = new Busboy({
        headers: request.headers as { 'content-type': string },
        limits: {
          fields: FORM_LIMITS.fields,
          parts: FORM_LIMITS.fields,
          fieldSize: FORM_LIMITS.fieldBytes,
          files: 0,
        },
      });
    } catch {
      return done(new DomainError('BAD_SYNTAX', ['The multipart/form-data body has no valid boundary.']));
    }
    let bytes = 0;
    payload.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > FORM_LIMITS.bodyBytes) finish(tooLarge(`exceeds ${FORM_LIMITS.bodyBytes} bytes`));
    });
    parser.on('field', (name: string, value: string, _nameTruncated: boolean, valueTruncated: boolean) => {
      if (valueTruncated) failure ??= tooLarge(`has a field over ${FORM_LIMITS.fieldBytes} bytes`);
      else add(fields, name, value);
    });
    parser.on('file', (_name: string, stream: NodeJS.ReadableStream) => {
      stream.resume();
      failure ??= new DomainError('BAD_REQUEST', ['The form body must not contain files.']);
    });
    parser.on('filesLimit', () => {
      failure ??= new DomainError('BAD_REQUEST', ['The form body must not contain files.']);
    });
    parser.on('fieldsLimit', () => {
      failure ??= tooLarge(`has more than ${FORM_LIMITS.fields} fields`);
    });
    parser.on('partsLimit', () => {
      failure ??= tooLarge(`has more than ${FORM_LIMITS.fields} parts`);
    });
    parser.on('error', () => finish(new DomainError('BAD_SYNTAX', ['The multipart/form-data body is malformed.'])));
    parser.on('finish', () => finish(failure));
    payload.pipe(parser);
  });
}
