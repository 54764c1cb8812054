import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { Logger as NestPinoLogger } from 'nestjs-pino';
import { type ApiDependencies, AppModule } from './app.module.js';
import { MAX_JSON_BODY_BYTES } from './common/body-limit.js';
import { EdgeValidationPipe } from './common/edge-validation.pipe.js';
import { ApiExceptionFilter } from './common/exception.filter.js';
import { methodNotAllowed } from './common/method-not-allowed.js';
import { assignRequestId } from './common/request-id.js';
import { buildOpenApiDocument } from './openapi.js';
import { serveConsole } from './console/serve-console.js';

/**
 * Builds the configured HTTP application (not yet listening): validation, error mapping, structured
 * logs, the OpenAPI document served at /docs (JSON at /docs-json) and the web console at /console.
 */
export async function createApiApp(deps: ApiDependencies): Promise<INestApplication> {
  // The body parser is mounted after the correlation id, so that even a malformed body gets one.
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(deps), { bufferLogs: true, bodyParser: false });
  app.use(assignRequestId);
  const openApiDocument = buildOpenApiDocument(app);
  app.use(methodNotAllowed(openApiDocument));
  app.useBodyParser('json', { limit: MAX_JSON_BODY_BYTES });
  app.useLogger(app.get(NestPinoLogger));
  app.useGlobalFilters(new ApiExceptionFilter(deps.logger));
  app.useGlobalPipes(new EdgeValidationPipe());
  SwaggerModule.setup('docs', app, openApiDocument);
  serveConsole(app);
  return app;
}
