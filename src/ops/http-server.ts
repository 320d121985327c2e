import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Health } from './health';
import type { Metrics } from './metrics';

/** `/livez`, `/readyz` and `/metrics` for probes and Prometheus. Bodies hold no personal data. */
export async function startOpsServer(opts: { host: string; port: number; health: Health; metrics: Metrics }): Promise<{
  server: Server;
  port: number;
  close(): Promise<void>;
}> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET') return json(405, { error: 'method not allowed' });
    if (path === '/livez') {
      const l = opts.health.live();
      return json(l.ok ? 200 : 503, { status: l.ok ? 'ok' : 'stalled', msSinceLastBeat: l.detail });
    }
    if (path === '/readyz') {
      const r = opts.health.ready();
      return json(r.ok ? 200 : 503, { status: r.ok ? 'ready' : 'not ready', ...r });
    }
    if (path === '/metrics') {
      for (const [role, ok] of Object.entries(opts.health.roleReadiness())) opts.metrics.ready.set({ role }, ok ? 1 : 0);
      opts.metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': opts.metrics.registry.contentType });
          res.end(text);
        },
        () => json(500, { error: 'metrics unavailable' }),
      );
      return;
    }
    json(404, { error: 'not found' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
