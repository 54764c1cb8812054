import type { ProcedureDefinition } from '../../../../src/definitions/procedure/procedure.schema.js';
import type { TaskInstance } from '../../../../workflows/engine/types.js';
import type { WorkflowSnapshot } from '../../../../workflows/procurement/messages.js';
import type { PendingTimerDto, WaitingForDto } from './cycles.dto.js';

/** How the interpreter names its timers (`sla:` in workflows/engine/run.ts, the others in workflows/engine/nodes/): `<purpose>:<rest>`. */
const TIMER_PURPOSES: Record<string, string> = { wait: 'wait', sla: 'sla', bidding: 'bidding', ledger: 'ledgerPeriod' };

/**
 * Turns a workflow's snapshot into what a person asks of a stuck or slow cycle: which timers are
 * pending and why, and what the workflow waits for now (decisions, bids, a period to pass, contracts).
 * Pure: the definition supplies the titles.
 */
export function describeLiveState(
  snapshot: WorkflowSnapshot,
  definition: ProcedureDefinition | undefined,
): { pendingTimers: PendingTimerDto[]; waitingFor: WaitingForDto[] } {
  const titles = nodeTitles(definition);
  const pendingTimers = Object.entries(snapshot.pendingTimers)
    .sort(([, a], [, b]) => a.localeCompare(b))
    .map(([timerId, until]) => describeTimer(timerId, until, titles, snapshot.openTasks));

  const waitingFor: WaitingForDto[] = snapshot.openTasks.map((task) => ({
    kind: 'decision',
    description: `${task.title.zh} ${task.title.en} — a decision by ${[task.role, ...task.escalatedTo].join(' or ')}`,
    until: task.dueAt ?? null,
  }));
  if (snapshot.biddingOpen) {
    const closing = pendingTimers.find((timer) => timer.purpose === 'bidding');
    waitingFor.push({ kind: 'bids', description: '投标 Bids from verified vendors, until the bidding window closes', until: closing?.until ?? null });
  }
  for (const timer of pendingTimers.filter((t) => t.purpose === 'wait' || t.purpose === 'ledgerPeriod')) {
    waitingFor.push({ kind: 'timer', description: timer.description, until: timer.until });
  }
  const running = snapshot.contracts.filter((contract) => contract.status === 'running');
  if (snapshot.status === 'awaitingContracts' && running.length > 0) {
    waitingFor.push({
      kind: 'contracts',
      description: `合同履行 ${running.length} running contract${running.length === 1 ? '' : 's'}: ${running.map((c) => c.vendorName).join(', ')}`,
      until: null,
    });
  }
  return { pendingTimers, waitingFor };
}

function describeTimer(timerId: string, until: string, titles: Map<string, string>, openTasks: readonly TaskInstance[]): PendingTimerDto {
  const separator = timerId.indexOf(':');
  const prefix = separator < 0 ? timerId : timerId.slice(0, separator);
  const rest = separator < 0 ? '' : timerId.slice(separator + 1);
  const purpose = TIMER_PURPOSES[prefix] ?? prefix;
  let description: string;
  switch (prefix) {
    case 'wait': {
      const nodeId = rest.split('#')[0] ?? rest;
      description = `${titles.get(nodeId) ?? nodeId} ends`;
      break;
    }
    case 'sla': {
      const task = openTasks.find((candidate) => candidate.id === rest);
      description = task
        ? `${task.title.zh} ${task.title.en} becomes overdue${task.escalateTo ? ` and escalates to ${task.escalateTo}` : ''}`
        : `the deadline of task ${rest} passes`;
      break;
    }
    case 'bidding':
      description = `bidding round ${rest} closes`;
      break;
    case 'ledger':
      description = `ledger period ${rest} falls due`;
      break;
    default:
      description = timerId;
  }
  return { timerId, purpose, until, description };
}

/** `nodeId → "中文 English"` for every node of the definition, parallel sign-offs included. */
function nodeTitles(definition: ProcedureDefinition | undefined): Map<string, string> {
  const titles = new Map<string, string>();
  for (const step of definition?.steps ?? []) {
    for (const node of step.flow.nodes) {
      if ('title' in node && node.title) titles.set(node.id, `${node.title.zh} ${node.title.en}`);
      if (node.type === 'parallel') for (const task of node.tasks) titles.set(task.id, `${task.title.zh} ${task.title.en}`);
    }
  }
  return titles;
}
