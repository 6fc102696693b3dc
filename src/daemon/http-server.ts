import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DaemonMetrics } from './metrics.js';

export interface HealthState {
  /** 'ok' while running, 'draining' during shutdown. */
  status: () => 'ok' | 'starting' | 'draining';
  details: () => Record<string, unknown>;
}

/** /health (JSON, 200 when ok, 503 otherwise) and /metrics (Prometheus text) on a local port. */
export async function startHttpServer(
  host: string,
  port: number,
  metrics: DaemonMetrics,
  health: HealthState,
): Promise<{ port: number; close: () => Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/health') {
      const status = health.status();
      response.writeHead(status === 'ok' ? 200 : 503, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ status, ...health.details() }));
    } else if (path === '/metrics') {
      metrics.registry.metrics().then(
        (text) => {
          response.writeHead(200, { 'content-type': metrics.registry.contentType });
          response.end(text);
        },
        (error: Error) => {
          response.writeHead(500);
          response.end(error.message);
        },
      );
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' });
      response.end('not found: try /health or /metrics\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
