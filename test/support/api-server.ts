import type { INestApplication } from '@nestjs/common';
import { Client } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { createApiApp } from '../../apps/api/src/create-api-app.js';
import { type Environment, loadConfig } from '../../src/config/config.js';
import { type SignOptions, signAccessToken } from '../../src/identity/access-tokens.js';
import type { Identity } from '../../src/identity/identity.js';
import { createLogger } from '../../src/logging/logger.js';
import { freshDatabase } from './databases.js';
import { freePort } from './free-port.js';
import { testDataConverter, testPayloadCodec } from './payload-encryption.js';

/** The token secret of test APIs; the CLI gets it as PROCUREFLOW_JWT_SECRET. */
export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

export interface TestApi {
  readonly baseUrl: string;
  readonly databaseUrl: string;
  readonly dataSource: DataSource;
  close(): Promise<void>;
}

/**
 * The API on a fresh database of its own, listening on a free port. Endpoints that need Temporal are
 * not exercised through it: its client connects lazily and is never used. `env` sets configuration
 * variables, the process's own environment being ignored.
 */
export async function startTestApi(label: string, env: Environment = {}): Promise<TestApi> {
  const { url, dataSource } = await freshDatabase(label);
  const app: INestApplication = await createApiApp({
    config: loadConfig(env),
    dataSource,
    temporalClient: new Client({ dataConverter: testDataConverter() }),
    payloadCodec: testPayloadCodec,
    temporalAddress: '127.0.0.1:1',
    logger: createLogger('silent', 'api'),
    jwtSecret: TEST_JWT_SECRET,
  });
  const port = await freePort();
  await app.listen(port, '127.0.0.1');
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    databaseUrl: url,
    dataSource,
    async close() {
      await app.close();
      await dataSource.destroy();
    },
  };
}

/** A token for the test API, valid for an hour. */
export async function tokenFor(identity: Partial<Identity> & Pick<Identity, 'roles' | 'jurisdiction'>, secret = TEST_JWT_SECRET, lifetime: SignOptions = { expiresInSeconds: 3600 }): Promise<string> {
  const { token } = await signAccessToken(
    {
      userId: identity.userId ?? 'test.user',
      name: identity.name ?? '测试用户',
      roles: identity.roles,
      jurisdiction: identity.jurisdiction,
      ...(identity.vendorId === undefined ? {} : { vendorId: identity.vendorId }),
    },
    secret,
    lifetime,
  );
  return token;
}
