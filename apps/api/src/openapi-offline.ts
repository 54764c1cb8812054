import type { INestApplication } from '@nestjs/common';
import { Client } from '@temporalio/client';
import { loadConfig } from '../../../src/config/config.js';
import { createLogger } from '../../../src/logging/logger.js';
import { EncryptionCodec, encryptingDataConverter } from '../../../src/payload-encryption/encryption-codec.js';
import { generatePayloadKey, keyringOf } from '../../../src/payload-encryption/keyring.js';
import { createDataSource } from '../../../src/persistence/data-source.js';
import { createApiApp } from './create-api-app.js';
import { buildOpenApiDocument } from './openapi.js';
import { documentedModels, duplicateModelNames } from './openapi-models.js';

/**
 * The API application without any server: the data source is never initialised and the Temporal
 * client connects lazily, on first use, which never comes. Serves no requests; close it after use.
 */
export function createOfflineApiApp(): Promise<INestApplication> {
  // Never used: a throwaway key, so no real one is read to draw a document.
  const payloadCodec = new EncryptionCodec(keyringOf([generatePayloadKey()]));
  return createApiApp({
    config: loadConfig({}),
    dataSource: createDataSource('postgres://unused@127.0.0.1:1/unused'),
    temporalClient: new Client({ dataConverter: encryptingDataConverter(payloadCodec) }),
    temporalAddress: '127.0.0.1:1',
    logger: createLogger('silent', 'openapi'),
    // Never used: no request is served.
    jwtSecret: 'openapi-rendering-serves-no-requests-so-no-secret',
    payloadCodec,
  });
}

/**
 * Renders the OpenAPI document as `openapi.json` holds it. Refuses (throws) when two DTO classes share
 * a name: Nest's swagger would document both as one schema, without a word.
 */
export async function renderOpenApiDocument(): Promise<string> {
  const app = await createOfflineApiApp();
  try {
    const duplicates = duplicateModelNames(documentedModels(app));
    if (duplicates.length > 0) {
      throw new Error(`DTO class names must be unique, since OpenAPI schemas are named after them; declared more than once: ${duplicates.join(', ')}`);
    }
    return `${JSON.stringify(buildOpenApiDocument(app), null, 2)}\n`;
  } finally {
    await app.close();
  }
}
