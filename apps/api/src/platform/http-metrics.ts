import type { NextFunction, Request, Response } from 'express';
import { Counter, Histogram, Registry } from 'prom-client';

/** Request counts and latencies by method, route template and status (never by raw path: ids are personal). */
export function httpMetrics(registry: Registry) {
  const total = new Counter({ name: 'tiltas_http_requests_total', help: 'HTTP requests', labelNames: ['method', 'route', 'status'], registers: [registry] });
  const seconds = new Histogram({
    name: 'tiltas_http_request_seconds',
    help: 'HTTP request duration',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? (res.statusCode === 404 ? 'unmatched' : 'other');
      const fullRoute = `${req.baseUrl ?? ''}${route}`;
      total.inc({ method: req.method, route: fullRoute, status: String(res.statusCode) });
      seconds.observe({ method: req.method, route: fullRoute }, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
}
