import { DefaultLogger, type LogLevel, Runtime } from '@temporalio/worker';
import type { Logger } from '../logging/logger.js';

const PINO_LEVEL: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

/**
 * Installs the Temporal runtime of this process with its log lines (the worker's own, and workflows'
 * `log` calls, which carry workflowId and runId) written as structured JSON through the process's logger,
 * at warnings and above. `stopsWorkersItself`: the process handles SIGINT and SIGTERM and stops its workers
 * in order (the stack); otherwise the runtime's own signal handling stays, as a standalone worker relies on.
 */
export function installTemporalRuntime(logger: Logger, options: { stopsWorkersItself: boolean }): void {
  const temporal = logger.child({ component: 'temporal-sdk' });
  Runtime.install({
    logger: new DefaultLogger('WARN', ({ level, message, meta }) => temporal[PINO_LEVEL[level]](meta ?? {}, message)),
    ...(options.stopsWorkersItself ? { shutdownSignals: [] } : {}),
  });
}
