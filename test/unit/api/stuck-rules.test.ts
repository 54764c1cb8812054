import { readFileSync } from 'node:fs';
import path from 'node:path';
import { calendarWarnings } from '../../../apps/api/src/health/calendar-horizon.js';
import { PROJECT_ROOT } from '../../../src/config/project-root.js';
import { compileDefinition } from '../../../src/definitions/compiler.js';
import { idleLimitDays } from '../../../src/definitions/procedure/procedure.schema.js';
import { classifyStuck, type ProcessFacts } from '../../../apps/api/src/ops/stuck/stuck-rules.js';

const NOW = new Date('2026-11-28T09:00:00Z');
const options = { activityAttemptThreshold: 2, projectionActivities: new Set(['applyCommands']) };

function facts(overrides: Partial<ProcessFacts> = {}): ProcessFacts {
  return {
    workflowId: 'cycle-1',
    kind: 'cycle',
    jurisdiction: 'zj-deqing',
    taskQueue: 'procureflow-procurement',
    pendingActivities: [],
    workflowTask: null,
    readModelLag: null,
    taskQueuePolled: true,
    pendingDeadlines: ['2026-12-10T01:00:00Z'],
    coveredYears: new Set([2026]),
    incidents: [],
    lastEventAt: '2026-11-27T09:00:00Z',
    idleLimitDays: null,
    ...overrides,
  };
}

describe('the stuck rules', () => {
  it('find nothing in a healthy process', () => {
    expect(classifyStuck(facts(), NOW, options)).toEqual([]);
  });

  it('name an activity that keeps failing with its attempt and message, from the threshold on', () => {
    const failing = { activity: 'exportTreasuryPayment', attempt: 3, lastFailure: 'treasury refused: HTTP 503', lastFailedAt: '2026-11-28T08:59:00Z' };
    expect(classifyStuck(facts({ pendingActivities: [{ ...failing, attempt: 1 }] }), NOW, options)).toEqual([]);
    expect(classifyStuck(facts({ pendingActivities: [failing] }), NOW, options)).toEqual([
      {
        cause: 'activityFailing',
        words: 'activity exportTreasuryPayment keeps failing (attempt 3): treasury refused: HTTP 503',
        activity: 'exportTreasuryPayment',
        attempt: 3,
        message: 'treasury refused: HTTP 503',
        since: '2026-11-28T08:59:00Z',
      },
    ]);
    expect(classifyStuck(facts({ pendingActivities: [failing] }), NOW, { ...options, activityAttemptThreshold: 4 })).toEqual([]);
  });

  it('report a failing projection as the read model behind, not as a failing activity', () => {
    const causes = classifyStuck(
      facts({
        pendingActivities: [{ activity: 'applyCommands', attempt: 4, lastFailure: 'PostgreSQL 23514', lastFailedAt: null }],
        readModelLag: { activity: 'applyCommands', attempt: 4, lastFailure: 'PostgreSQL 23514', since: '2026-11-28T08:00:00Z' },
      }),
      NOW,
      options,
    );
    expect(causes.map((cause) => cause.cause)).toEqual(['readModelBehind']);
    expect(causes[0]?.words).toBe('read model behind: projection applyCommands keeps failing (attempt 4): PostgreSQL 23514');
  });

  it('name a workflow task that keeps failing with its message, only from its second attempt', () => {
    expect(classifyStuck(facts({ workflowTask: { attempt: 1, lastFailure: null, since: null } }), NOW, options)).toEqual([]);
    const [cause] = classifyStuck(facts({ workflowTask: { attempt: 5, lastFailure: 'Nondeterminism error', since: '2026-11-28T08:00:00Z' } }), NOW, options);
    expect(cause?.cause).toBe('workflowTaskFailing');
    expect(cause?.words).toBe("the workflow's own code keeps failing (workflow task attempt 5): Nondeterminism error");
  });

  it('name the task queue no worker polls', () => {
    const [cause] = classifyStuck(facts({ taskQueuePolled: false }), NOW, options);
    expect(cause?.words).toBe('no worker polls task queue "procureflow-procurement": nothing of this cycle runs until one starts');
  });

  it('name the year without a calendar and the file to deploy, and the engine’s incidents', () => {
    const [cause] = classifyStuck(facts({ pendingDeadlines: ['2027-01-20T01:00:00Z', '2026-12-01T01:00:00Z'] }), NOW, options);
    expect(cause?.cause).toBe('calendarMissing');
    expect(cause?.words).toBe('a pending deadline falls in a year with no business calendar for zj-deqing: 2027 (deploy definitions/calendars/cn-2027.yaml)');
    const [incident] = classifyStuck(facts({ incidents: [{ message: 'no calendar covers 2027', at: '2026-11-28T08:00:00Z' }] }), NOW, options);
    expect(incident?.words).toBe('the engine could not compute a deadline: no calendar covers 2027');
  });

  it('call a process idle only when the definition sets a limit and it has passed', () => {
    expect(classifyStuck(facts({ lastEventAt: '2026-10-01T00:00:00Z' }), NOW, options)).toEqual([]);
    expect(classifyStuck(facts({ lastEventAt: '2026-11-20T00:00:00Z', idleLimitDays: 30 }), NOW, options)).toEqual([]);
    const [cause] = classifyStuck(facts({ lastEventAt: '2026-10-01T00:00:00Z', idleLimitDays: 30 }), NOW, options);
    expect(cause?.words).toBe('nothing has happened for 58 days; the definition allows 30');
  });
});

describe('stuckWhenIdleFor', () => {
  const minimal = readFileSync(path.join(PROJECT_ROOT, 'test/unit/definitions/fixtures/minimal-procedure.yaml'), 'utf8');
  const limitOf = (text: string) => {
    const result = compileDefinition(text, 'minimal-procedure.yaml');
    if (!result.ok) throw new Error(`does not compile: ${JSON.stringify(result)}`);
    return idleLimitDays((result.compiled.definition as { stuckWhenIdleFor?: string }).stuckWhenIdleFor);
  };

  it('lists a process as idle only under a procedure that sets stuckWhenIdleFor', () => {
    const quiet = facts({ lastEventAt: '2026-10-01T00:00:00Z' });
    expect(limitOf(minimal)).toBeNull();
    expect(classifyStuck({ ...quiet, idleLimitDays: limitOf(minimal) }, NOW, options)).toEqual([]);
    const withKey = `${minimal.trimEnd()}\nstuckWhenIdleFor: P30D\n`;
    expect(limitOf(withKey)).toBe(30);
    expect(classifyStuck({ ...quiet, idleLimitDays: limitOf(withKey) }, NOW, options).map((cause) => cause.cause)).toEqual(['idle']);
  });

  it('is refused unless it is whole days', () => {
    expect(compileDefinition(`${minimal.trimEnd()}\nstuckWhenIdleFor: PT5H\n`, 'minimal-procedure.yaml').ok).toBe(false);
  });
});

describe('the calendar horizon', () => {
  const today = new Date('2026-11-28T00:00:00Z');

  it('warns when the calendars end within the horizon, naming the last day and the file', () => {
    expect(calendarWarnings([{ jurisdiction: 'zj-deqing', years: [2026], latestDeadline: null }], today, 120)).toEqual([
      {
        jurisdiction: 'zj-deqing',
        lastCoveredDay: '2026-12-31',
        missingYear: 2027,
        file: 'definitions/calendars/cn-2027.yaml',
        message: 'the business calendars of zj-deqing end on 2026-12-31, less than 120 days after today: deploy definitions/calendars/cn-2027.yaml (year 2027)',
      },
    ]);
  });

  it('is quiet when they reach beyond the horizon, and honours a shorter one', () => {
    expect(calendarWarnings([{ jurisdiction: 'zj-deqing', years: [2026, 2027], latestDeadline: null }], today, 120)).toEqual([]);
    expect(calendarWarnings([{ jurisdiction: 'zj-deqing', years: [2026], latestDeadline: null }], today, 30)).toEqual([]);
  });

  it('warns when a pending deadline lies beyond the last covered day, whatever the horizon', () => {
    const [warning] = calendarWarnings([{ jurisdiction: 'zj-deqing', years: [2026, 2027], latestDeadline: '2028-02-01T00:00:00Z' }], today, 0);
    expect(warning?.missingYear).toBe(2028);
    expect(warning?.message).toBe(
      'the business calendars of zj-deqing end on 2027-12-31, before its latest pending deadline (2028-02-01T00:00:00Z): deploy definitions/calendars/cn-2028.yaml (year 2028)',
    );
  });

  it('says when no calendar covers this year at all', () => {
    const [warning] = calendarWarnings([{ jurisdiction: 'cn', years: [2025], latestDeadline: null }], today, 120);
    expect(warning?.lastCoveredDay).toBeNull();
    expect(warning?.message).toContain('do not cover 2026');
  });
});
