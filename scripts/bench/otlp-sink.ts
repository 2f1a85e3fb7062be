/**
 * An OTLP/HTTP trace receiver for the `observability` case: it answers every export 200 and
 * keeps only counts, so the service pays the whole cost of exporting (serialising, sending) and
 * the bench process little. The counts prove the traced variant really exported spans.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OtlpSink {
  /** For OTEL_EXPORTER_OTLP_ENDPOINT (the exporter appends /v1/traces). */
  url: string;
  /** Spans received, and of them server spans: one per traced request. */
  counts(): { spans: number; serverSpans: number; exports: number };
  close(): Promise<void>;
}

/** Occurrences of `needle` in `text`, without parsing: the exporter's JSON has one per span. */
function occurrences(text: string, needle: string): number {
  let n = 0;
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length)) n++;
  return n;
}

export async function startOtlpSink(): Promise<OtlpSink> {
  let spans = 0;
  let serverSpans = 0;
  let exports = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      // OTLP/JSON, as @opentelemetry/exporter-trace-otlp-http sends it: `"spanId":` once per span
      // (parents are `parentSpanId`), `"kind":2` once per SpanKind.SERVER span.
      const body = Buffer.concat(chunks).toString('utf8');
      exports++;
      spans += occurrences(body, '"spanId":');
      serverSpans += occurrences(body, '"kind":2');
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counts: () => ({ spans, serverSpans, exports }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
