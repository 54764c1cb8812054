import type { FlowNodeT } from '../../../src/definitions/procedure/procedure.schema.js';
import type { NodeHandler, Run } from '../run.js';

/** Waits for a span, then moves on. Its timer id is `wait:<node>#<visit>`, so a stale one is known. */
export const timerNode: NodeHandler<Extract<FlowNodeT, { type: 'timer' }>> = {
  enter: (run, node) => {
    run.emit({
      type: 'startTimer',
      timerId: `wait:${node.id}#${run.state.visits[node.id]}`,
      until: run.deadline(node.duration, `timer "${node.title.zh}"`) ?? run.calendarDaysInstead(node.duration),
      purpose: 'wait',
    });
  },
  timers: { wait: waitOver },
};

function waitOver(run: Run, rest: string): void {
  const [nodeId = '', visit] = rest.split('#');
  // A timer of a node the flow has left (cancelled, looped) is stale and changes nothing.
  if (run.state.nodeId !== nodeId || String(run.state.visits[nodeId]) !== visit) return;
  const node = run.node(nodeId);
  if (node.type !== 'timer') return;
  run.succeed(node.id);
  run.enterNode(node.next);
}
