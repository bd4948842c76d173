import { ValidationPipe } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { SESSION_COOKIE } from '@tiltas/access';
import { createLogger } from '@tiltas/common';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import cookieParser from 'cookie-parser';
import express from 'express';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import pinoHttp from 'pino-http';
import { Registry } from 'prom-client';
import { ANCHOR_FILE_TYPE } from './audit/audit.controller';
import { htmlErrorRenderer } from './pages/html-errors';
import { BEARER_SCHEME, COOKIE_SCHEME } from './platform/api-docs';
import { DomainErrorFilter } from './platform/domain-error.filter';
import { httpMetrics } from './platform/http-metrics';
import { securityHeaders } from './platform/security-headers';
import { VIEWS_DIR, ViewEngine } from './platform/view-engine';
import { API_METRICS } from './system/metrics.controller';

/**
 * Everything main.ts and the e2e tests both need, so tests exercise the app as it runs: request ids and
 * structured access logs, security headers, metrics, validation, views, OpenAPI.
 */
export function configureApp(app: NestExpressApplication, options: { logLevel?: string } = {}): void {
  const config = app.get<AppConfig>(APP_CONFIG);
  const logger = createLogger({ level: options.logLevel ?? config.log.level, name: 'tiltas-api' });

  app.disable('x-powered-by');
  // req.ip, which the per-address sign-in limit counts, comes from X-Forwarded-For only through these proxies.
  const trustProxy = config.http.trustProxy;
  app.set('trust proxy', Array.isArray(trustProxy) ? [...trustProxy] : trustProxy);
  app.use(
    pinoHttp({
      logger,
      genReqId: (req, res) => {
        const incoming = req.headers['x-request-id'];
        const id = typeof incoming === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(incoming) ? incoming : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      // Paths can carry case ids; query strings can carry anything: log the route, not the URL's query.
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, path: req.url.split('?')[0] }),
      },
      autoLogging: { ignore: (req) => req.url === '/health/live' || req.url === '/metrics' },
    }),
  );
  app.use(securityHeaders({ secure: config.env === 'production' }));
  app.use(httpMetrics(app.get<Registry>(API_METRICS)));
  app.use(cookieParser());
  app.use(express.urlencoded({ extended: false, limit: '256kb' }));
  // An anchor file to verify against: JSON lines, read as text (docs/audit-log.md, "Anchors outside the database").
  app.use('/api/audit/verify', express.text({ type: ANCHOR_FILE_TYPE, limit: '16mb' }));
  app.use('/assets', express.static(join(VIEWS_DIR, '..', 'assets'), { maxAge: '1h', index: false }));

  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));

  const engine = new ViewEngine(VIEWS_DIR, {}, config.env === 'production');
  app.engine('hbs', engine.expressEngine());
  app.setViewEngine('hbs');
  app.setBaseViewsDir(join(VIEWS_DIR, 'pages'));
  DomainErrorFilter.htmlRenderer = htmlErrorRenderer;

  const openApi = new DocumentBuilder()
    .setTitle('Tiltas API')
    .setDescription('Register-based outreach: extracts, criteria, identification runs, cases, contact attempts, audit.')
    .setVersion('1')
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', bearerFormat: 'tlt_<token id>_<64 hex>', description: 'An opaque API token created by an administrator (`tokens create`, POST /api/tokens); it acts as its owner and needs no CSRF token.' },
      BEARER_SCHEME,
    )
    .addCookieAuth(SESSION_COOKIE, { type: 'apiKey', in: 'cookie', description: 'The session of POST /api/auth/sign-in; unsafe methods also send its csrfToken as X-CSRF-Token.' }, COOKIE_SCHEME)
    .build();
  SwaggerModule.setup('api/docs', app, () => SwaggerModule.createDocument(app, openApi), {
    jsonDocumentUrl: 'api/docs/openapi.json',
    // Swagger UI's own colours fail axe's contrast check: a stylesheet of ours (CSP: same origin) fixes them.
    customCssUrl: '/assets/swagger-a11y.css',
    customSiteTitle: 'Tiltas API',
  });

}
