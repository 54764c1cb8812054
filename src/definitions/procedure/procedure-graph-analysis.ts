import type { FlowNodeT } from './procedure.schema.js';

/**
 * The control-flow graph of one step: which nodes each node can lead to, split into the edges taken
 * when the node succeeds and those taken when it does not (returned, rejected, too few bids, failed).
 */
export interface FlowEdges {
  readonly success: readonly string[];
  readonly failure: readonly string[];
}

/** The nodes a node can lead to. Guarantees: lists every reference field of every node type. */
export function edgesOf(node: FlowNodeT): FlowEdges {
  switch (node.type) {
    case 'task': {
      const success = node.decisions.filter((d) => d.outcome === 'approve' || d.outcome === 'submit').map((d) => d.next);
      const failure = node.decisions.filter((d) => d.outcome === 'return' || d.outcome === 'reject').map((d) => d.next);
      return { success, failure };
    }
    case 'parallel':
      return { success: [node.next], failure: [node.onReturn, node.onReject].filter((id): id is string => id !== undefined) };
    case 'branch':
      return { success: [...node.cases.map((c) => c.next), node.otherwise], failure: [] };
    case 'bidding':
      return { success: [node.next], failure: [node.onTooFew] };
    case 'acceptance':
      return { success: [node.next], failure: [node.onFail] };
    case 'end':
      return { success: [], failure: [] };
    case 'timer':
    case 'publish':
    case 'award':
    case 'ledgerPeriods':
    case 'evaluation':
    case 'payment':
      return { success: [node.next], failure: [] };
  }
}

export function successorsOf(node: FlowNodeT): string[] {
  const { success, failure } = edgesOf(node);
  return [...new Set([...success, ...failure])];
}

/** Nodes reachable from `from` (inclusive), never entering `blocked`. Unknown ids are ignored. */
export function reachable(nodes: ReadonlyMap<string, FlowNodeT>, from: readonly string[], blocked?: string): Set<string> {
  const seen = new Set<string>();
  const queue = from.filter((id) => id !== blocked && nodes.has(id));
  while (queue.length > 0) {
    const id = queue.pop() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    const node = nodes.get(id);
    if (!node) continue;
    for (const next of successorsOf(node)) if (next !== blocked && nodes.has(next) && !seen.has(next)) queue.push(next);
  }
  return seen;
}

/**
 * Whether every way of reaching `target` from `start` passes through `gate` and leaves it by a
 * success edge after its last visit: removing `gate`, `target` must be unreachable both from the
 * start and from wherever `gate` leads on failure.
 */
export function onlyAfterSuccessOf(nodes: ReadonlyMap<string, FlowNodeT>, start: string, gate: string, target: string): boolean {
  const gateNode = nodes.get(gate);
  if (!gateNode || gate === target) return false;
  const bypass = reachable(nodes, [start, ...edgesOf(gateNode).failure], gate);
  return !bypass.has(target);
}

/** Nodes from which some node of `goals` can be reached. */
export function canReach(nodes: ReadonlyMap<string, FlowNodeT>, goals: ReadonlySet<string>): Set<string> {
  const predecessors = new Map<string, string[]>();
  for (const [id, node] of nodes) {
    for (const next of successorsOf(node)) predecessors.set(next, [...(predecessors.get(next) ?? []), id]);
  }
  const seen = new Set<string>();
  const queue = [...goals];
  while (queue.length > 0) {
    const id = queue.pop() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const previous of predecessors.get(id) ?? []) if (!seen.has(previous)) queue.push(previous);
  }
  return seen;
}
