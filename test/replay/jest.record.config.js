/**
 * Jest configuration of `npm run replay:record` only: the integration project's setup (a real PostgreSQL
 * for the activities' read model), with the recorder as its one test file. `npm test` never loads it, so
 * the checked-in histories change only when someone records them on purpose.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import base from '../../jest.config.js';

const integration = base.projects.find((project) => project.displayName === 'integration');

export default {
  ...integration,
  rootDir: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..'),
  displayName: 'replay-record',
  testMatch: ['<rootDir>/test/replay/record-histories.ts'],
  // One procedure's whole cycle, years of timers skipped, on a shared two-core machine.
  testTimeout: 600_000,
};
