import type { FlowNodeT } from '../../../src/definitions/procedure/procedure.schema.js';
import type { NodeHandler } from '../run.js';

/** Publishes a declared notice and moves on. */
export const publishNode: NodeHandler<Extract<FlowNodeT, { type: 'publish' }>> = {
  enter: (run, node) => {
    run.publish(node.notice);
    run.succeed(node.id);
    run.enterNode(node.next);
  },
};
