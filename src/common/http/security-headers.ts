import helmet, { type HelmetOptions } from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The security headers helmet sets with `options`, worked out once.
 *
 * Helmet's middleware only sets (and removes) fixed headers. @fastify/helmet, which this
 * replaced, called `helmet(options)` on every request, so every request re-validated the
 * options and re-serialized the Content-Security-Policy, in two extra async hooks: about 5%
 * of a GET's CPU time (docs/performance.md). Here helmet itself runs once, against a
 * recording response, and each response gets the recorded headers.
 */
export function securityHeaders(options: HelmetOptions): Readonly<Record<string, string>> {
  const headers = new Map<string, [string, string]>();
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers.set(name.toLowerCase(), [name, Array.isArray(value) ? value.join(', ') : String(value)]);
      return recorder;
    },
    removeHeader(name: string) {
      headers.delete(name.toLowerCase());
    },
  };
  // Helmet 8 throws on bad options; older versions passed the error to next().
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw err instanceof Error ? err : new Error(`helmet refused its options: ${JSON.stringify(err)}`);
  });
  return Object.freeze(Object.fromEntries([...headers.values()]));
}
