import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec, encryptingDataConverter } from '../../src/payload-encryption/encryption-codec.js';
import { formatPayloadKey, keyringOf, type PayloadKey } from '../../src/payload-encryption/keyring.js';

/** A fixed test key, so that spawned processes (given TEST_PAYLOAD_KEYS_ENV) and the test's clients agree. */
export const TEST_PAYLOAD_KEY: PayloadKey = { id: 'test-key-1', key: Buffer.alloc(32, 7) };

/** PROCUREFLOW_PAYLOAD_KEYS for processes a test spawns. */
export const TEST_PAYLOAD_KEYS_ENV = formatPayloadKey(TEST_PAYLOAD_KEY);

/** The codec every test worker and client uses, as production processes do. */
export const testPayloadCodec = new EncryptionCodec(keyringOf([TEST_PAYLOAD_KEY]));

export function testDataConverter(): DataConverter {
  return encryptingDataConverter(testPayloadCodec);
}
