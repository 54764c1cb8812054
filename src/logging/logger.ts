import { pino, type Logger } from 'pino';
import type { LogLevel } from '../config/config.js';

export type { Logger } from 'pino';

/**
 * Structured JSON logs on stdout, one object a line, for every process of procureflow.
 * `component` says which part wrote the line (api, worker, stack, postgres, temporal).
 */
export function createLogger(level: LogLevel, component: string): Logger {
  return pino({
    level,
    base: { component },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: ['req.headers.authorization', '*.password', 'databaseUrl'], censor: '[redacted]' },
  });
}
