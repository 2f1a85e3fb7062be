import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Metrics } from './metrics';

/**
 * `GET /metrics` on a listener of its own (METRICS_HOST:METRICS_PORT), never on the API port:
 * the API's port is public, metrics are for the operator's Prometheus only. Anything else is a
 * plain 404.
 */
export class MetricsServer {
  private readonly server: Server;

  constructor(
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {
    this.server = createServer((request, response) => {
      if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
        response.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found: metrics are at GET /metrics\n');
        return;
      }
      this.metrics.registry.metrics().then(
        (body) => response.writeHead(200, { 'Content-Type': this.metrics.registry.contentType }).end(body),
        (err: unknown) => {
          this.logger.error({ err, context: 'Metrics' }, 'collecting metrics failed');
          response.writeHead(500, { 'Content-Type': 'text/plain' }).end('collecting metrics failed\n');
        },
      );
    });
  }

  async listen(port: number, host: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.logger.info({ context: 'Metrics', url: `${this.url}/metrics` }, 'Prometheus metrics listening');
  }

  /** http://host:port actually bound (METRICS_PORT=0 picks a free port). */
  get url(): string {
    const { address, family, port } = this.server.address() as AddressInfo;
    return `http://${family === 'IPv6' ? `[${address}]` : address}:${port}`;
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
