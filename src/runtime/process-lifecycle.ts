import { ConfigError } from '../config/config.js';
import { DatabaseUnavailableError } from '../persistence/data-source.js';

/**
 * Runs `shutdown` once on the first SIGINT or SIGTERM, then exits; a second signal exits at once,
 * for the person whose Ctrl-C seems to hang.
 */
export function onShutdownSignal(shutdown: (signal: NodeJS.Signals) => Promise<void>, log: (message: string) => void): void {
  let shuttingDown = false;
  const handler = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      log(`${signal} again: exiting without waiting`);
      process.exit(130);
    }
    shuttingDown = true;
    log(`${signal} received: shutting down (press Ctrl-C again to force)`);
    shutdown(signal).then(
      () => process.exit(0),
      (error: unknown) => {
        log(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

/**
 * Runs an entry point. Expected start-up failures (bad configuration, unreachable database) print one
 * clear message without a stack trace; anything else prints its stack. Either way the exit code is 1.
 */
export function runMain(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    if (error instanceof ConfigError || error instanceof DatabaseUnavailableError || error instanceof StartupError) {
      process.stderr.write(`procureflow: ${error.message}\n`);
    } else {
      process.stderr.write(`procureflow: unexpected failure\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    }
    process.exit(1);
  });
}

/** A start-up failure whose message already says everything a person needs. */
export class StartupError extends Error {
  override name = 'StartupError';
}
