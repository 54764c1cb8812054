import { edgesOf } from './procedure-graph-analysis.js';
import type { FlowNodeT, ProcedureDefinition } from './procedure.schema.js';
import { CONTRACT_SCOPED_KINDS } from './procedure-vocabulary.js';

/**
 * Renders a procedure as a Mermaid flowchart: one subgraph per step (the contract steps grouped as
 * "per awarded vendor"), each node labelled with its Chinese title and kind, each edge with the
 * decision or outcome that takes it. Deterministic: the same definition always gives the same text.
 */
export function renderMermaid(procedure: ProcedureDefinition): string {
  const lines: string[] = ['flowchart TD', `  %% ${procedure.metadata.key}: ${procedure.metadata.title.zh}`];
  const id = (stepId: string, nodeId: string) => `${stepId}__${nodeId}`;
  lines.push(`  cycleStart(["${escape(procedure.metadata.title.zh)}"])`);
  lines.push('  cycleTerminated(["终止 terminated"])');

  let openedContract = false;
  procedure.steps.forEach((step, index) => {
    if (CONTRACT_SCOPED_KINDS.includes(step.kind) && !openedContract) {
      openedContract = true;
      lines.push('  subgraph perContract["每个中标承接主体 per awarded vendor"]');
    }
    lines.push(`  subgraph ${step.id}["${index + 1}. ${escape(step.title.zh)}"]`);
    for (const node of step.flow.nodes) lines.push(`    ${id(step.id, node.id)}${shape(node)}`);
    for (const node of step.flow.nodes) {
      for (const [target, label] of labelledEdges(node)) {
        lines.push(`    ${id(step.id, node.id)} -->${label ? `|${escape(label)}|` : ''} ${id(step.id, target)}`);
      }
    }
    lines.push('  end');
  });
  if (openedContract) lines.push('  end');

  procedure.steps.forEach((step, index) => {
    const entry = id(step.id, step.flow.start);
    if (index === 0) lines.push(`  cycleStart --> ${entry}`);
    const nextStep = procedure.steps[index + 1];
    for (const node of step.flow.nodes) {
      if (node.type !== 'end') continue;
      if (node.outcome === 'terminated') lines.push(`  ${id(step.id, node.id)} --> cycleTerminated`);
      else if (nextStep) lines.push(`  ${id(step.id, node.id)} --> ${id(nextStep.id, nextStep.flow.start)}`);
    }
  });
  return `${lines.join('\n')}\n`;
}

function shape(node: FlowNodeT): string {
  const title = 'title' in node && node.title ? node.title.zh : node.id;
  switch (node.type) {
    case 'branch':
      return `{"${escape(title)}"}`;
    case 'end':
      return `(["${node.outcome === 'completed' ? '完成 completed' : '终止 terminated'}"])`;
    case 'timer':
      return `[/"⏱ ${escape(title)}"/]`;
    case 'publish':
      return `[["📢 ${escape(node.notice)}"]]`;
    case 'payment':
      return `[("💰 ${escape(node.tranche)}")]`;
    case 'task':
    case 'award':
    case 'evaluation':
    case 'acceptance':
      return `["${escape(title)}<br/>(${node.type}: ${escape(node.role)})"]`;
    default:
      return `["${escape(title)}<br/>(${node.type})"]`;
  }
}

function labelledEdges(node: FlowNodeT): Array<[string, string]> {
  switch (node.type) {
    case 'task':
      return node.decisions.map((d) => [d.next, d.outcome]);
    case 'parallel':
      return [
        [node.next, 'all approved'],
        ...(node.onReturn ? ([[node.onReturn, 'return']] as Array<[string, string]>) : []),
        ...(node.onReject ? ([[node.onReject, 'reject']] as Array<[string, string]>) : []),
      ];
    case 'branch':
      return [...node.cases.map((c): [string, string] => [c.next, c.when]), [node.otherwise, 'otherwise']];
    case 'bidding':
      return [
        [node.next, 'enough bidders'],
        [node.onTooFew, 'too few'],
      ];
    case 'acceptance':
      return [
        [node.next, 'passed'],
        [node.onFail, 'failed'],
      ];
    default:
      return edgesOf(node).success.map((target) => [target, '']);
  }
}

/** Mermaid labels are quoted; quotes and pipes inside them would end the label early. */
function escape(text: string): string {
  return text.replaceAll('"', '#quot;').replaceAll('|', '#124;').replaceAll('<', '#lt;').replaceAll('>', '#gt;');
}
