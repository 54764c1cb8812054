import { Client } from '@temporalio/client';
import { loadConfig } from '../../../src/config/config.js';
import { createLogger } from '../../../src/logging/logger.js';
import { EncryptionCodec, encryptingDataConverter } from '../../../src/payload-encryption/encryption-codec.js';
import { generatePayloadKey, keyringOf } from '../../../src/payload-encryption/keyring.js';
import { createDataSource } from '../../../src/persistence/data-source.js';
import { createApiApp } from './create-api-app.js';
import { buildOpenApiDocument } from './openapi.js';

/**
 * Renders the OpenAPI document without any server: the data source is never initialised and the
 * Temporal client connects lazily, on first use, which never comes.
 */
export async function renderOpenApiDocument(): Promise<string> {
  const config = loadConfig({});
  // Never used: a throwaway key, so no real one is read to draw a document.
  const payloadCodec = new EncryptionCodec(keyringOf([generatePayloadKey()]));
  const app = await createApiApp({
    config,
    dataSource: createDataSource('postgres://unused@127.0.0.1:1/unused'),
    temporalClient: new Client({ dataConverter: encryptingDataConverter(payloadCodec) }),
    temporalAddress: '127.0.0.1:1',
    logger: createLogger('silent', 'openapi'),
    // Never used: no request is served.
    jwtSecret: 'openapi-rendering-serves-no-requests-so-no-secret',
    payloadCodec,
  });
  try {
    return `${JSON.stringify(buildOpenApiDocument(app), null, 2)}\n`;
  } finally {
    await app.close();
  }
}
