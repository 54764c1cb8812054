import { DefaultLogger, type LogLevel, Runtime } from '@temporalio/worker';
import type { Logger } from '../logging/logger.js';

const PINO_LEVEL: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

/**
 * Installs the Temporal runtime of this process with its log lines (the worker's own, and workflows'
 * `log` calls, which carry workflowId and runId) written as structured JSON through the process's logger,
 * at warnings and above. `shutdownSignals: []`: the process stops its workers itself, in order.
 */
export function installTemporalRuntime(logger: Logger): void {
  const temporal = logger.child({ component: 'temporal-sdk' });
  Runtime.install({
    logger: new DefaultLogger('WARN', ({ level, message, meta }) => temporal[PINO_LEVEL[level]](meta ?? {}, message)),
    shutdownSignals: [],
  });
}
