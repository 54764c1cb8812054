import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, type ReferenceObject, type ResponseObject, type SchemaObject, SwaggerModule } from '@nestjs/swagger';
import { ErrorResponseDto } from './common/error-response.dto.js';

/**
 * The OpenAPI document generated from the controllers and DTOs, with every object's keys sorted so
 * the checked-in `openapi.json` changes only when the API does, and with what the edge of the API
 * does for every operation alike stated on each (see `stateEdgeRules`).
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('procureflow')
    .setDescription(
      'Procurement of community-correction, people’s-mediation and resettlement services: ' +
        'definitions, procurement cycles, approvals, vendors, cases, payments and public notices.',
    )
    .setVersion('0.1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .build();
  const document = SwaggerModule.createDocument(app, config, { extraModels: [ErrorResponseDto] });
  stateEdgeRules(document);
  return sortKeys(document);
}

const ERROR_BODY = { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponseDto' } } };
const EDGE_RESPONSES: Record<'400' | '413' | '422', ResponseObject> = {
  '400': { description: 'The body is not JSON (or is a bare string or number rather than an object).', content: ERROR_BODY },
  '413': { description: 'The body is larger than 5 MB.', content: ERROR_BODY },
  '422': { description: 'A parameter or field is malformed (`details` names it).', content: ERROR_BODY },
};

/**
 * Rules the API applies to every request before any controller, which the decorators of one operation
 * cannot state: a request body is parsed as JSON of at most 5 MB (400, 413), parameters and bodies pass
 * the EdgeValidationPipe (422), and a body object may hold only the properties its schema lists, at any
 * depth (the pipe refuses others), so those schemas are closed with `additionalProperties: false`.
 */
function stateEdgeRules(document: OpenAPIObject): void {
  const schemas = document.components?.schemas ?? {};
  for (const operations of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = operations[method];
      if (!operation) continue;
      const hasBody = operation.requestBody !== undefined;
      const edge: Array<keyof typeof EDGE_RESPONSES> = hasBody ? ['400', '413', '422'] : (operation.parameters ?? []).length > 0 ? ['422'] : [];
      for (const status of edge) operation.responses[status] ??= EDGE_RESPONSES[status];
      if (hasBody && !('$ref' in (operation.requestBody as object))) {
        for (const media of Object.values((operation.requestBody as { content: Record<string, { schema?: SchemaObject | ReferenceObject }> }).content)) {
          if (media.schema) closeObjects(media.schema, schemas, new Set());
        }
      }
    }
  }
}

/** Marks every object schema with declared properties reachable from `schema` as admitting no others. */
function closeObjects(schema: SchemaObject | ReferenceObject, schemas: Record<string, SchemaObject | ReferenceObject>, seen: Set<string>): void {
  if ('$ref' in schema) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    const target = schemas[name];
    if (seen.has(name) || !target) return;
    seen.add(name);
    closeObjects(target, schemas, seen);
    return;
  }
  if (schema.properties && schema.additionalProperties === undefined) schema.additionalProperties = false;
  for (const property of Object.values(schema.properties ?? {})) closeObjects(property, schemas, seen);
  if (schema.items) closeObjects(schema.items, schemas, seen);
  for (const part of [...(schema.allOf ?? []), ...(schema.oneOf ?? []), ...(schema.anyOf ?? [])]) closeObjects(part, schemas, seen);
}

function sortKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => sortKeys(item)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([key, item]) => [key, sortKeys(item)]),
    ) as T;
  }
  return value;
}
