import path from 'node:path';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { DataSource } from 'typeorm';
import { createActivities } from '../../../activities/index.js';
import { activityTelemetry } from '../../../src/observability/activity-telemetry.js';
import type { AppConfig } from '../../../src/config/config.js';
import type { Logger } from '../../../src/logging/logger.js';
import { type EncryptionCodec, encryptingDataConverter } from '../../../src/payload-encryption/encryption-codec.js';

export interface WorkerDependencies {
  readonly config: AppConfig;
  readonly temporalAddress: string;
  readonly dataSource: DataSource;
  readonly workflowBundle: { code: string };
  readonly logger: Logger;
  /** Encrypts what the workers send to Temporal and decrypts what they receive; the API's clients share its keys. */
  readonly payloadCodec: EncryptionCodec;
}

/** Where the default treasury adapter writes its payment files. */
export function treasuryExportDir(config: Pick<AppConfig, 'dataDir'>): string {
  return path.join(config.dataDir, 'treasury-exports');
}

/** The running workers of one process, one per task queue, and how to stop them. */
export interface RunningWorkers {
  /** Settles when every worker has stopped; rejects when one of them failed. */
  readonly done: Promise<void>;
  /** Stops polling, lets in-flight tasks finish, and closes the connection. */
  shutdown(): Promise<void>;
}

/**
 * Composes the activities with their dependencies and starts a worker on each task queue.
 * Resolves once every worker has been created and told to run.
 */
export async function startWorkers(deps: WorkerDependencies): Promise<RunningWorkers> {
  const connection = await NativeConnection.connect({ address: deps.temporalAddress });
  const activities = createActivities({ dataSource: deps.dataSource, exportDir: treasuryExportDir(deps.config) });
  const { namespace, taskQueues } = deps.config.temporal;
  let workers: Worker[];
  try {
    workers = await Promise.all(
      Object.values(taskQueues).map((taskQueue) =>
        Worker.create({
          connection,
          namespace,
          taskQueue,
          workflowBundle: deps.workflowBundle,
          activities,
          interceptors: { activity: [activityTelemetry(deps.logger)] },
          // Codecs run outside the workflow sandbox, on the worker's main thread: the bundle needs no change.
          dataConverter: encryptingDataConverter(deps.payloadCodec),
          // TEMPORAL_WORKFLOW_CACHE_SIZE, else the SDK's heap-based default; an evicted workflow is replayed from history at its next task.
          ...(deps.config.temporal.workflowCacheSize !== undefined ? { maxCachedWorkflows: deps.config.temporal.workflowCacheSize } : {}),
        }),
      ),
    );
  } catch (error) {
    await connection.close();
    throw error;
  }
  const done = Promise.all(workers.map((worker) => worker.run())).then(() => undefined);
  deps.logger.info({ taskQueues: Object.values(taskQueues), namespace }, 'workers polling');

  let stopping: Promise<void> | undefined;
  return {
    done,
    shutdown: () =>
      (stopping ??= (async () => {
        for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
        await done.catch((error: unknown) => deps.logger.error({ err: error }, 'a worker stopped with an error'));
        await connection.close();
      })()),
  };
}
