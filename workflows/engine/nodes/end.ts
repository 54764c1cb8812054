import type { FlowNodeT } from '../../../src/definitions/procedure/procedure.schema.js';
import type { NodeHandler } from '../run.js';

/** Ends the step, completed (the next step starts) or terminated (the cycle ends). */
export const endNode: NodeHandler<Extract<FlowNodeT, { type: 'end' }>> = {
  enter: (run, node) => {
    run.endStep(node.outcome, node.reason?.zh);
  },
};
