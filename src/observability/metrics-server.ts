import { createServer, type Server } from 'node:http';
import { processMetrics } from './metrics.js';
import { scrapeAllowed } from './scrape-token.js';

/**
 * Serves a worker process's own metrics (activity failures, projection lag, its runtime) at `/metrics`,
 * for a worker that runs apart from the API; behind the scrape token when one is configured.
 */
export async function serveProcessMetrics(options: { host: string; port: number; token: string | undefined }): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics is served here\n');
      return;
    }
    if (!scrapeAllowed(request.headers.authorization, options.token)) {
      response.writeHead(401, { 'content-type': 'text/plain' }).end('send Authorization: Bearer <PROCUREFLOW_METRICS_TOKEN>\n');
      return;
    }
    processMetrics.metrics().then(
      (body) => response.writeHead(200, { 'content-type': processMetrics.contentType }).end(body),
      (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`${error instanceof Error ? error.message : String(error)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  return server;
}
