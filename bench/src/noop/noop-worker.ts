import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';

const silent = () => undefined;
const quietLogger = { info: silent, warn: silent, error: silent, debug: silent, trace: silent, log: silent };

export interface NoopWorker {
  /** A client on the same server and namespace, with Temporal's default (unencrypted JSON) payloads. */
  readonly client: Client;
  readonly taskQueue: string;
  stop(): Promise<void>;
}

/**
 * Runs the no-op workflow's worker in this (the bench's) process on a task queue of its own, bundled now
 * from the compiled no-op module. Guarantees: resolves once the worker polls; `stop` shuts it down and
 * closes both connections.
 */
export async function startNoopWorker(options: { address: string; namespace: string; taskQueue: string }): Promise<NoopWorker> {
  const workflowsPath = fileURLToPath(new URL('./noop.workflow.js', import.meta.url));
  const bundle = await bundleWorkflowCode({ workflowsPath, logger: quietLogger });
  const nativeConnection = await NativeConnection.connect({ address: options.address });
  const worker = await Worker.create({
    connection: nativeConnection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowBundle: bundle,
  });
  const running = worker.run();
  const connection = await Connection.connect({ address: options.address });
  return {
    client: new Client({ connection, namespace: options.namespace }),
    taskQueue: options.taskQueue,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
      await nativeConnection.close();
    },
  };
}
