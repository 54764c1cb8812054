import type { FlowNodeT, TaskNodeT } from '../../../src/definitions/procedure/procedure.schema.js';
import { Refusal, type NodeHandler, type Run } from '../run.js';
import type { TaskInstance } from '../types.js';

/** Sign-offs by several roles at once: each task is a form task (nodes/task.ts decides it). */
export const parallelNode: NodeHandler<Extract<FlowNodeT, { type: 'parallel' }>> = {
  enter: (run, node) => {
    for (const task of node.tasks) {
      run.state.visits[task.id] = (run.state.visits[task.id] ?? 0) + 1;
      run.openTask(task, 'form', task.role, task.sla, node.id, run.dueAfterEvent(task));
    }
  },
};

/**
 * One sign-off of a parallel node is decided (and closed): when every sign-off of this round approved,
 * the flow moves on; a return or rejection withdraws the others and takes the node's way back.
 */
export function settleParallelTask(run: Run, task: TaskInstance, node: TaskNodeT, outcome: string, positive: boolean): void {
  const parallel = run.node(task.parallelId ?? '');
  if (parallel.type !== 'parallel') throw new Error(`"${task.parallelId}" is not a parallel node`);
  // This round's sign-offs: the latest instance of each task of the parallel node.
  const roundIds = new Set(parallel.tasks.map((t) => `${t.id}#${run.state.visits[t.id] ?? 1}`));
  const siblings = run.state.tasks.filter((t) => roundIds.has(t.id));
  if (positive) {
    run.succeed(node.id);
    if (siblings.every((t) => t.status === 'decided' && (t.outcome === 'approve' || t.outcome === 'submit'))) {
      run.succeed(parallel.id);
      run.enterNode(parallel.next);
    }
    return;
  }
  for (const sibling of siblings) if (sibling.status === 'open') run.closeTask(sibling, 'withdrawn');
  const target = outcome === 'return' ? parallel.onReturn : parallel.onReject;
  if (!target) throw new Refusal('invalid', `"${parallel.title.zh}" does not allow "${outcome}"`, 'outcome');
  run.enterNode(target);
}
