/**
 * Why a process is stuck, in words: pure rules over what Temporal's description of its workflow, the
 * task queue's pollers and the read model say about it. No I/O and no clock of its own (`now` is an
 * argument), so every rule is tested without a server; `stuck.service.ts` gathers the facts.
 */

import { PROCESS_KINDS, type ProcessKind } from '../process-kinds.js';

/** Every reason a process can be stuck, declared once: the API's enum, the filter and the summary derive from it. */
export const STUCK_CAUSES = ['activityFailing', 'workflowTaskFailing', 'taskQueueUnpolled', 'readModelBehind', 'calendarMissing', 'idle'] as const;
export type StuckCauseKind = (typeof STUCK_CAUSES)[number];

export { PROCESS_KINDS, type ProcessKind };

/** An activity Temporal keeps retrying, as DescribeWorkflowExecution reports it. */
export interface FailingActivityFact {
  readonly activity: string;
  readonly attempt: number;
  readonly lastFailure: string | null;
  readonly lastFailedAt: string | null;
}

/** The workflow task in flight, when it has failed before (attempt > 1), with the last failure history records. */
export interface WorkflowTaskFact {
  readonly attempt: number;
  readonly lastFailure: string | null;
  readonly since: string | null;
}

/** The read model's lag behind the workflow (see CyclesService's `readModel: behind`). */
export interface ReadModelLagFact {
  readonly activity: string;
  readonly attempt: number;
  readonly lastFailure: string | null;
  readonly since: string | null;
}

/** An incident the engine recorded in the process's audit trail (a deadline it could not compute). */
export interface IncidentFact {
  readonly message: string;
  readonly at: string;
}

/** Everything known about one open process; any part Temporal could not give is absent. */
export interface ProcessFacts {
  readonly workflowId: string;
  readonly kind: ProcessKind;
  readonly jurisdiction: string;
  readonly taskQueue: string;
  /** Pending activities of the workflow (projections included); undefined when Temporal could not describe it. */
  readonly pendingActivities?: readonly FailingActivityFact[];
  readonly workflowTask?: WorkflowTaskFact | null;
  readonly readModelLag?: ReadModelLagFact | null;
  /** Whether a worker has polled the process's task queue recently. */
  readonly taskQueuePolled: boolean;
  /** Pending deadlines of the process in the read model (open tasks' due times, a case's next period end). */
  readonly pendingDeadlines: readonly string[];
  /** Years the jurisdiction's deployed business calendars cover. */
  readonly coveredYears: ReadonlySet<number>;
  readonly incidents: readonly IncidentFact[];
  /** When the read model last took a projection of this process (or it was launched). */
  readonly lastEventAt: string | null;
  /** How long the definition lets the process go without an event (ISO-8601 days), if it says. */
  readonly idleLimitDays: number | null;
}

export interface StuckCause {
  readonly cause: StuckCauseKind;
  /** One sentence for a person. */
  readonly words: string;
  readonly activity: string | null;
  readonly attempt: number | null;
  readonly message: string | null;
  readonly since: string | null;
}

export interface StuckRuleOptions {
  /** An activity on this attempt or later counts as failing (attempt 2 is the first retry). */
  readonly activityAttemptThreshold: number;
  /** Activities whose failure is reported as the read model lagging rather than as a failing activity. */
  readonly projectionActivities: ReadonlySet<string>;
}

export const DEFAULT_STUCK_RULE_OPTIONS: Omit<StuckRuleOptions, 'projectionActivities'> = { activityAttemptThreshold: 2 };

const DAY_MS = 86_400_000;

/**
 * Every cause that holds for the process, in the order of STUCK_CAUSES; empty when it is not stuck.
 * Guarantees: each cause appears at most once per activity (or once, for the others); `words` names the
 * thing to act on (the activity and its attempt, the task queue, the calendar year and file).
 */
export function classifyStuck(facts: ProcessFacts, now: Date, options: StuckRuleOptions): StuckCause[] {
  const causes: StuckCause[] = [];
  for (const activity of facts.pendingActivities ?? []) {
    if (options.projectionActivities.has(activity.activity) || activity.attempt < options.activityAttemptThreshold) continue;
    causes.push({
      cause: 'activityFailing',
      words: `activity ${activity.activity} keeps failing (attempt ${activity.attempt})${activity.lastFailure ? `: ${activity.lastFailure}` : ''}`,
      activity: activity.activity,
      attempt: activity.attempt,
      message: activity.lastFailure,
      since: activity.lastFailedAt,
    });
  }
  if (facts.workflowTask && facts.workflowTask.attempt > 1) {
    const task = facts.workflowTask;
    causes.push({
      cause: 'workflowTaskFailing',
      words: `the workflow's own code keeps failing (workflow task attempt ${task.attempt})${task.lastFailure ? `: ${task.lastFailure}` : ''}`,
      activity: null,
      attempt: task.attempt,
      message: task.lastFailure,
      since: task.since,
    });
  }
  if (!facts.taskQueuePolled) {
    causes.push({
      cause: 'taskQueueUnpolled',
      words: `no worker polls task queue "${facts.taskQueue}": nothing of this ${facts.kind} runs until one starts`,
      activity: null,
      attempt: null,
      message: null,
      since: null,
    });
  }
  if (facts.readModelLag) {
    const lag = facts.readModelLag;
    causes.push({
      cause: 'readModelBehind',
      words: `read model behind: projection ${lag.activity} keeps failing (attempt ${lag.attempt})${lag.lastFailure ? `: ${lag.lastFailure}` : ''}`,
      activity: lag.activity,
      attempt: lag.attempt,
      message: lag.lastFailure,
      since: lag.since,
    });
  }
  const calendar = calendarCause(facts);
  if (calendar) causes.push(calendar);
  const idle = idleCause(facts, now);
  if (idle) causes.push(idle);
  return causes;
}

/** The file that would cover `year` for a jurisdiction: the national calendar's naming (`cn-<year>.yaml`). */
export function calendarFileFor(year: number): string {
  return `definitions/calendars/cn-${year}.yaml`;
}

function calendarCause(facts: ProcessFacts): StuckCause | undefined {
  const uncovered = [...new Set(facts.pendingDeadlines.map((deadline) => new Date(deadline).getUTCFullYear()))]
    .filter((year) => !facts.coveredYears.has(year))
    .sort((a, b) => a - b);
  const incident = facts.incidents[facts.incidents.length - 1];
  if (uncovered.length === 0 && !incident) return undefined;
  const years = uncovered.map((year) => `${year} (deploy ${calendarFileFor(year)})`).join(', ');
  const words = uncovered.length > 0
    ? `a pending deadline falls in ${uncovered.length === 1 ? 'a year' : 'years'} with no business calendar for ${facts.jurisdiction}: ${years}`
    : `the engine could not compute a deadline: ${incident?.message ?? ''}`;
  return { cause: 'calendarMissing', words, activity: null, attempt: null, message: incident?.message ?? null, since: incident?.at ?? null };
}

function idleCause(facts: ProcessFacts, now: Date): StuckCause | undefined {
  if (facts.idleLimitDays === null || facts.lastEventAt === null) return undefined;
  const idleMs = now.getTime() - new Date(facts.lastEventAt).getTime();
  if (idleMs <= facts.idleLimitDays * DAY_MS) return undefined;
  return {
    cause: 'idle',
    words: `nothing has happened for ${Math.floor(idleMs / DAY_MS)} days; the definition allows ${facts.idleLimitDays}`,
    activity: null,
    attempt: null,
    message: null,
    since: facts.lastEventAt,
  };
}
