import 'reflect-metadata';
import { type INestApplication, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import type { ValidationError as ClassValidatorError } from 'class-validator';
import { Logger as NestPinoLogger } from 'nestjs-pino';
import { type ApiDependencies, AppModule } from './app.module.js';
import { MAX_JSON_BODY_BYTES } from './common/body-limit.js';
import { type FieldProblem, ValidationError } from './common/domain-errors.js';
import { ApiExceptionFilter } from './common/exception.filter.js';
import { assignRequestId } from './common/request-id.js';
import { buildOpenApiDocument } from './openapi.js';

/**
 * Builds the configured HTTP application (not yet listening): validation, error mapping, structured
 * logs and the OpenAPI document served at /docs (JSON at /docs-json).
 */
export async function createApiApp(deps: ApiDependencies): Promise<INestApplication> {
  // The body parser is mounted after the correlation id, so that even a malformed body gets one.
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(deps), { bufferLogs: true, bodyParser: false });
  app.use(assignRequestId);
  app.useBodyParser('json', { limit: MAX_JSON_BODY_BYTES });
  app.useLogger(app.get(NestPinoLogger));
  app.useGlobalFilters(new ApiExceptionFilter(deps.logger));
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: (errors) => {
        const details = flattenValidationErrors(errors);
        return new ValidationError(
          `The request has ${details.length} invalid field${details.length === 1 ? '' : 's'}: ${details.map((d) => d.field).join(', ')}.`,
          details,
        );
      },
    }),
  );
  SwaggerModule.setup('docs', app, buildOpenApiDocument(app));
  return app;
}

function flattenValidationErrors(errors: ClassValidatorError[], prefix = ''): FieldProblem[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((problem) => ({ field, problem }));
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}
