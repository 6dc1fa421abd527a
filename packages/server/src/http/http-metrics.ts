import type { FastifyInstance } from 'fastify';
import type { WeftMetrics } from '../monitoring/metrics.js';

/**
 * Prometheus metrics on `/metrics`: the server's registry (see monitoring/metrics.ts), with each HTTP request counted
 * and timed per route template (never the raw URL, whose ids would explode the number of series).
 */
export function installHttpMetrics(app: FastifyInstance, metrics: WeftMetrics): void {
  app.addHook('onResponse', async (request, reply) => {
    metrics.httpRequest(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        statusCode: reply.statusCode,
      },
      reply.elapsedTime / 1000,
    );
  });

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
