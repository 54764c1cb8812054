import type { FlowNodeT } from '../../../src/definitions/procedure/procedure.schema.js';
import { evaluate } from '../evaluate.js';
import type { NodeHandler } from '../run.js';

/** Takes the first case whose condition holds, or `otherwise`. */
export const branchNode: NodeHandler<Extract<FlowNodeT, { type: 'branch' }>> = {
  enter: (run, node) => {
    const chosen = node.cases.find((c) => evaluate(run.scope, c.when, run.values) === true);
    run.succeed(node.id);
    run.enterNode(chosen?.next ?? node.otherwise);
  },
};
