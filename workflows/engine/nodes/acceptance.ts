import type { FlowNodeT } from '../../../src/definitions/procedure/procedure.schema.js';
import { Refusal, type NodeHandler, type Run } from '../run.js';
import type { EngineEvent, TaskInstance } from '../types.js';

type TaskDecided = Extract<EngineEvent, { type: 'taskDecided' }>;

/** Acceptance (验收) of the service. */
export const acceptanceNode: NodeHandler<Extract<FlowNodeT, { type: 'acceptance' }>> = {
  enter: (run, node) => {
    run.openTask(node, 'acceptance', node.role, node.sla);
  },
  tasks: { acceptance: decideAcceptance },
};

/** Acceptance (验收): passed or failed, with the service recipients' opinions where the definition requires them. */
function decideAcceptance(run: Run, task: TaskInstance, event: TaskDecided): void {
  const { acceptance } = run.stepOf('performanceManagement').performance;
  const node = run.node(task.nodeId);
  if (node.type !== 'acceptance') throw new Error(`"${task.nodeId}" is not an acceptance node`);
  if (event.payload?.kind !== 'acceptance') throw new Refusal('invalid', 'an acceptance says whether it passed', 'acceptance');
  const { passed, recipientOpinions } = event.payload;
  if (acceptance.recipientOpinionsRequired && recipientOpinions.filter((o) => o.trim()).length === 0) {
    throw new Refusal('invalid', 'acceptance must record the service recipients’ opinions (seed 000 §八(五))', 'acceptance.recipientOpinions');
  }
  run.values.acceptance = { passed };
  run.closeTask(task, 'decided', { outcome: passed ? 'approve' : 'reject', actor: event.actor, ...(event.comment ? { comment: event.comment } : {}), fields: { passed, recipientOpinions: recipientOpinions.join('\n') } });
  // Implementing Regulations art. 45: a public service's acceptance result is published, by the engine, not a drawn node.
  if (acceptance.published) {
    const notice = run.definition.notices.find((candidate) => candidate.kind === 'acceptanceResult');
    if (!notice) throw new Error('a published acceptance has no acceptanceResult notice (PF-ACCEPTANCE)');
    run.publish(notice.id);
  }
  if (passed) {
    run.succeed(node.id);
    run.enterNode(node.next);
  } else {
    run.enterNode(node.onFail);
  }
}
