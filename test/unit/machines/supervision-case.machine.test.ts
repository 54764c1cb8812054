import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { initialTransition, transition } from 'xstate';
import { runRules } from '../../../src/definitions/rules/rule.js';
import { parseYamlSource } from '../../../src/definitions/source/yaml-source.js';
import { supervisionRules } from '../../../src/definitions/supervision/supervision.rules.js';
import { type SupervisionDefinition, SupervisionSchema } from '../../../src/definitions/supervision/supervision.schema.js';
import { validateCaseEvent, validateCaseInput } from '../../../workflows/machines/supervision-case.events.js';
import {
  acceptedEvents,
  createSupervisionMachine,
  obligationStatus,
  periodTimers,
  restoreCaseSnapshot,
  type SupervisionEvent,
  type SupervisionMachine,
  type SupervisionSnapshot,
} from '../../../workflows/machines/supervision-case.machine.js';

const SEED_FILE = fileURLToPath(new URL('../../../definitions/supervision/community-correction-case.yaml', import.meta.url));

/** Schema + semantic rules, then deep-frozen, as the compiler does; fails the test on any diagnostic. */
function compile(text: string): SupervisionDefinition {
  const { source, diagnostics } = parseYamlSource(text, 'test.yaml');
  expect(diagnostics).toEqual([]);
  const definition = SupervisionSchema.parse(source.data);
  expect(runRules(supervisionRules, definition, source)).toEqual([]);
  return deepFreeze(definition);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value as Record<string, unknown>)) deepFreeze(item);
  }
  return value;
}

const definition = compile(readFileSync(SEED_FILE, 'utf8'));
const machine = createSupervisionMachine(definition);

/** Sends events one after another with the pure `transition`, checking each produces no side effects to run. */
function send(snapshot: SupervisionSnapshot, ...events: SupervisionEvent[]): SupervisionSnapshot {
  let current = snapshot;
  for (const event of events) {
    expect(validateCaseEvent(definition, event)).toEqual([]);
    const [next, actions] = transition(machine, current, event);
    expect(actions).toEqual([]);
    current = next;
  }
  return current;
}

function open(attributes: Record<string, string | number | boolean> = { riskLevel: 'low' }, at = '2025-03-03'): SupervisionSnapshot {
  const [snapshot] = initialTransition(machine, { attributes, at });
  return snapshot;
}

const status = (snapshot: SupervisionSnapshot, id: string) => obligationStatus(snapshot, definition).find((s) => s.id === id);

// The person's information archive (seed 001 §三(二)·一是), which intake needs before it completes.
const ARCHIVE: SupervisionEvent = { type: 'archive.created', date: '2025-03-03', employment: '待业', family: '与父母同住', health: '良好' };

// A case opened on Monday 3 March 2025 whose intake is complete on Thursday 6 March at 10:00.
const INTAKE: SupervisionEvent[] = [
  ARCHIVE,
  { type: 'intakeEducation.recorded', days: 2, date: '2025-03-03' },
  { type: 'intakeEducation.recorded', days: 1, date: '2025-03-05' },
  { type: 'psychTest.recorded', date: '2025-03-04', outcome: 'normal' },
  { type: 'correctionGroup.formed', members: 3, date: '2025-03-05' },
  { type: 'intake.completed', date: '2025-03-06', at: '2025-03-06T10:00:00+08:00' },
];

const elapsed = (obligation: string, period: number): SupervisionEvent => ({ type: 'period.elapsed', obligation, period });

describe('intake (seed 004 §二(六), §二(九); seed 002 §四·五是)', () => {
  it('holds the case in intake while intake education is under 3 days, and lets it go on the third day', () => {
    let snapshot = send(
      open(),
      ARCHIVE,
      { type: 'intakeEducation.recorded', days: 2, date: '2025-03-03' },
      { type: 'psychTest.recorded', date: '2025-03-04', outcome: 'normal' },
      { type: 'correctionGroup.formed', members: 3, date: '2025-03-05' },
    );
    const refused = send(snapshot, { type: 'intake.completed', date: '2025-03-05' });
    expect(refused.value).toBe('intake');
    expect(status(refused, 'intakeEducation')).toMatchObject({ total: 2, required: 3, met: false });
    expect(status(refused, 'psychTest')).toMatchObject({ total: 1, met: true });

    snapshot = send(refused, { type: 'intakeEducation.recorded', days: 1, date: '2025-03-06' }, { type: 'intake.completed', date: '2025-03-06' });
    expect(snapshot.value).toBe('supervised');
  });

  it('needs the psychological test too, and a correction group of at least 3 people (the largest group formed counts)', () => {
    const withoutTest = send(open(), ...INTAKE.filter((event) => event.type !== 'psychTest.recorded'));
    expect(withoutTest.value).toBe('intake');

    const smallGroup = send(
      open(),
      ...INTAKE.filter((event) => event.type !== 'correctionGroup.formed' && event.type !== 'intake.completed'),
      { type: 'correctionGroup.formed', members: 2, date: '2025-03-05' },
    );
    expect(send(smallGroup, { type: 'intake.completed', date: '2025-03-06' }).value).toBe('intake');
    const enlarged = send(smallGroup, { type: 'correctionGroup.formed', members: 4, date: '2025-03-06' }, { type: 'intake.completed', date: '2025-03-06' });
    expect(enlarged.value).toBe('supervised');
    expect(enlarged.context.history.find((record) => record.obligation === 'correctionGroup')).toMatchObject({ total: 4, met: true });
  });
});

describe('a whole case: intake → supervised → released', () => {
  it('records every period and stay, and ends done', () => {
    let snapshot = send(open({ riskLevel: 'medium', isKeyPerson: true }), ...INTAKE);
    expect(snapshot.value).toBe('supervised');
    expect(snapshot.context.history).toEqual([
      expect.objectContaining({ state: 'intake', obligation: 'archive', total: 1, required: 1, met: true }),
      expect.objectContaining({ state: 'intake', obligation: 'intakeEducation', total: 3, required: 3, met: true, closedBy: 'stateExit', partial: false }),
      expect.objectContaining({ state: 'intake', obligation: 'psychTest', total: 1, met: true }),
      expect.objectContaining({ state: 'intake', obligation: 'correctionGroup', total: 3, met: true }),
    ]);

    snapshot = send(
      snapshot,
      { type: 'phone.recorded', date: '2025-03-07' },
      { type: 'visit.recorded', date: '2025-03-08', place: 'home' },
      elapsed('phoneFollowUp', 0),
      { type: 'education.recorded', hours: 4, date: '2025-03-12' },
      { type: 'communityService.recorded', hours: 8, date: '2025-03-15' },
      elapsed('keyPersonVisit', 0),
      { type: 'education.recorded', hours: 4, date: '2025-03-20' },
      { type: 'sentence.completed', date: '2025-03-21', at: '2025-03-21T17:00:00+08:00' },
    );
    expect(snapshot.value).toBe('released');
    expect(snapshot.status).toBe('done');
    const supervisedRecords = snapshot.context.history.filter((record) => record.state === 'supervised');
    expect(supervisedRecords.map((r) => [r.obligation, r.period, r.total, r.met, r.closedBy])).toEqual([
      ['phoneFollowUp', 0, 1, true, 'period.elapsed'],
      ['keyPersonVisit', 0, 1, true, 'period.elapsed'],
      ['education', 0, 8, true, 'stateExit'],
      ['communityService', 0, 8, true, 'stateExit'],
      ['homeVisit', 0, 1, true, 'stateExit'],
      ['keyPersonVisit', 1, 0, false, 'stateExit'],
      ['phoneFollowUp', 1, 0, false, 'stateExit'],
    ]);
    // Periods cut short by the release are marked partial, so an evaluator can discount them.
    expect(supervisedRecords.filter((r) => r.closedBy === 'stateExit').every((r) => r.partial && r.endedAt === '2025-03-21T17:00:00+08:00')).toBe(true);

    // A closed case accepts nothing and ignores whatever still arrives.
    expect(acceptedEvents(snapshot, definition)).toEqual([]);
    expect(obligationStatus(snapshot, definition)).toEqual([]);
    expect(transition(machine, snapshot, { type: 'education.recorded', hours: 2, date: '2025-03-22' })[0].context).toEqual(snapshot.context);
  });

  it('can end in transfer or revocation from intake or supervision (seed 004 §二(二))', () => {
    expect(send(open(), { type: 'case.transferred', date: '2025-03-04', destination: '湖州市吴兴区' }).value).toBe('transferredOut');
    const revoked = send(open(), ...INTAKE, { type: 'case.revoked', date: '2025-05-01', ruling: 'probationRevoked' });
    expect(revoked.value).toBe('revoked');
    expect(revoked.status).toBe('done');
  });
});

describe('monthly hours (seed 000 §七(一)(二); seed 001 §三(二)·三是)', () => {
  it('sums the hours of a calendar month and closes the month with met or missed', () => {
    let snapshot = send(
      open(),
      ...INTAKE,
      { type: 'education.recorded', hours: 3, date: '2025-03-10' },
      { type: 'education.recorded', hours: 5, date: '2025-03-24' },
      { type: 'communityService.recorded', hours: 6, date: '2025-03-15' },
    );
    expect(status(snapshot, 'education')).toMatchObject({ total: 8, required: 8, met: true, period: 0, periodEndsAt: '2025-04-01T00:00:00+08:00' });
    expect(status(snapshot, 'communityService')).toMatchObject({ total: 6, met: false });

    snapshot = send(snapshot, elapsed('education', 0), elapsed('communityService', 0));
    const [education, service] = snapshot.context.history.slice(-2);
    expect(education).toEqual({
      state: 'supervised',
      stay: 2,
      obligation: 'education',
      period: 0,
      startedAt: '2025-03-06T10:00:00+08:00',
      endedAt: '2025-04-01T00:00:00+08:00',
      total: 8,
      required: 8,
      met: true,
      partial: true, // the case entered supervision on 6 March, not on the 1st
      closedBy: 'period.elapsed',
    });
    expect(service).toMatchObject({ obligation: 'communityService', total: 6, met: false });

    // The new month starts from zero and ends on the 1st of May.
    expect(status(snapshot, 'education')).toMatchObject({ total: 0, met: false, period: 1, periodStartedAt: '2025-04-01T00:00:00+08:00', periodEndsAt: '2025-05-01T00:00:00+08:00' });
    expect(status(snapshot, 'communityService')).toMatchObject({ missedPeriods: 1 });

    snapshot = send(snapshot, { type: 'education.recorded', hours: 8, date: '2025-04-02' }, elapsed('education', 1));
    expect(snapshot.context.history.at(-1)).toMatchObject({ obligation: 'education', period: 1, total: 8, met: true, partial: false });
  });
});

describe('visits (seed 001 §三(二)·四是)', () => {
  it('applies the half-monthly key-person visit only to key persons', () => {
    const ordinary = send(open({ riskLevel: 'low', isKeyPerson: false }), ...INTAKE);
    expect(status(ordinary, 'keyPersonVisit')).toMatchObject({ applies: false, met: true, periodEndsAt: '2025-03-16T00:00:00+08:00' });
    const closedOrdinary = send(ordinary, elapsed('keyPersonVisit', 0));
    expect(closedOrdinary.context.history.filter((r) => r.obligation === 'keyPersonVisit')).toEqual([]);
    expect(status(closedOrdinary, 'keyPersonVisit')).toMatchObject({ missedPeriods: 0, period: 1, periodEndsAt: '2025-04-01T00:00:00+08:00' });

    const key = send(open({ riskLevel: 'high', isKeyPerson: true }), ...INTAKE);
    expect(status(key, 'keyPersonVisit')).toMatchObject({ applies: true, met: false, required: 1 });
    const closedKey = send(key, elapsed('keyPersonVisit', 0));
    expect(closedKey.context.history.at(-1)).toMatchObject({ obligation: 'keyPersonVisit', period: 0, total: 0, met: false });
    expect(status(closedKey, 'keyPersonVisit')).toMatchObject({ missedPeriods: 1 });
  });

  it('lets the purchaser designate a key person during the case', () => {
    const snapshot = send(open(), ...INTAKE, { type: 'attributes.updated', attributes: { isKeyPerson: true } });
    expect(snapshot.context.attributes).toEqual({ isKeyPerson: true, riskLevel: 'low' });
    expect(status(snapshot, 'keyPersonVisit')).toMatchObject({ applies: true, met: false });
  });

  it('counts only home visits towards the monthly home visit, but any visit towards the key-person visit', () => {
    const snapshot = send(open({ riskLevel: 'low', isKeyPerson: true }), ...INTAKE, { type: 'visit.recorded', date: '2025-03-07', place: 'workplace' });
    expect(status(snapshot, 'homeVisit')).toMatchObject({ total: 0, met: false });
    expect(status(snapshot, 'keyPersonVisit')).toMatchObject({ total: 1, met: true });
    // `place` defaults to home when left out.
    expect(status(send(snapshot, { type: 'visit.recorded', date: '2025-03-08' }), 'homeVisit')).toMatchObject({ total: 1, met: true });
  });
});

describe('period closure', () => {
  it('records a missed week of phone follow-up, and ignores a repeated or stale period.elapsed', () => {
    const supervised = send(open(), ...INTAKE);
    expect(status(supervised, 'phoneFollowUp')).toMatchObject({ periodEndsAt: '2025-03-10T00:00:00+08:00' });
    const missed = send(supervised, elapsed('phoneFollowUp', 0));
    expect(missed.context.history.at(-1)).toMatchObject({
      obligation: 'phoneFollowUp',
      period: 0,
      startedAt: '2025-03-06T10:00:00+08:00',
      endedAt: '2025-03-10T00:00:00+08:00',
      total: 0,
      met: false,
    });
    expect(status(missed, 'phoneFollowUp')).toMatchObject({ period: 1, missedPeriods: 1, periodEndsAt: '2025-03-17T00:00:00+08:00' });

    for (const stale of [elapsed('phoneFollowUp', 0), elapsed('phoneFollowUp', 5), elapsed('intakeEducation', 0), elapsed('nonsense', 1)]) {
      expect(send(missed, stale).context).toEqual(missed.context);
    }
  });

  it('tells the host which timers to run, each carrying the event to send', () => {
    const timers = periodTimers(send(open(), ...INTAKE), definition);
    expect(timers.map((t) => [t.obligation, t.endsAt])).toEqual([
      ['education', '2025-04-01T00:00:00+08:00'],
      ['communityService', '2025-04-01T00:00:00+08:00'],
      ['homeVisit', '2025-04-01T00:00:00+08:00'],
      ['keyPersonVisit', '2025-03-16T00:00:00+08:00'],
      ['phoneFollowUp', '2025-03-10T00:00:00+08:00'],
    ]);
    expect(timers[4]?.event).toEqual({ type: 'period.elapsed', obligation: 'phoneFollowUp', period: 0, at: '2025-03-10T00:00:00+08:00' });
    expect(periodTimers(open(), definition)).toEqual([]); // intake obligations run for the whole stay
  });

  it('restarts the counters when the case enters a state again', () => {
    const text = `apiVersion: procureflow.gov.cn/v1
kind: SupervisionLifecycle
metadata:
  key: re-entry
  title: { zh: 重新进入, en: Re-entry }
  sources: [{ seed: 001_74c0714c9c5763fe.txt, section: §三(二)·四是 }]
events:
  - { id: phone.recorded, title: { zh: 电话, en: Phone } }
  - { id: case.suspended, title: { zh: 中止, en: Suspended } }
  - { id: case.resumed, title: { zh: 恢复, en: Resumed } }
  - { id: case.closed, title: { zh: 结案, en: Closed } }
initial: active
states:
  - id: active
    title: { zh: 在矫, en: Active }
    obligations:
      - { id: calls, title: { zh: 电话, en: Calls }, event: phone.recorded, measure: { count: true }, atLeast: 2, per: state }
    on:
      - { event: case.suspended, target: suspended }
      - { event: case.closed, target: closed }
  - id: suspended
    title: { zh: 中止, en: Suspended }
    on: [{ event: case.resumed, target: active }]
  - id: closed
    title: { zh: 结案, en: Closed }
    type: final
`;
    const tiny = compile(text);
    const tinyMachine = createSupervisionMachine(tiny);
    let [snapshot] = initialTransition(tinyMachine, { attributes: {} });
    for (const event of [{ type: 'phone.recorded' }, { type: 'case.suspended' }, { type: 'case.resumed' }]) [snapshot] = transition(tinyMachine, snapshot, event);
    expect(snapshot.value).toBe('active');
    expect(snapshot.context.stay.sequence).toBe(3);
    expect(obligationStatus(snapshot, tiny)).toEqual([expect.objectContaining({ id: 'calls', total: 0, met: false })]);
    expect(snapshot.context.history).toEqual([expect.objectContaining({ obligation: 'calls', stay: 1, total: 1, met: false, partial: false, startedAt: null })]);
  });
});

describe('guards over attributes and the event payload', () => {
  const text = `apiVersion: procureflow.gov.cn/v1
kind: SupervisionLifecycle
metadata:
  key: violations
  title: { zh: 违规处理, en: Violations }
  sources: [{ seed: 001_74c0714c9c5763fe.txt, section: §三(二)·四是 }]
attributes:
  - { id: riskLevel, title: { zh: 风险, en: Risk }, type: string, oneOf: [low, high] }
events:
  - id: violation.reported
    title: { zh: 违规, en: Violation }
    payload: [{ id: severity, type: string, oneOf: [minor, serious] }, { id: count, type: int, default: 1 }]
  - { id: review.closed, title: { zh: 复核结束, en: Review closed } }
initial: supervised
states:
  - id: supervised
    title: { zh: 在矫, en: Supervised }
    on:
      - event: violation.reported
        target: review
        guard: event.severity == "serious" || attributes.riskLevel == "high" || event.count * 2 > 4
      - { event: violation.reported }
  - id: review
    title: { zh: 复核, en: Review }
    on: [{ event: review.closed, target: closed }]
  - id: closed
    title: { zh: 结案, en: Closed }
    type: final
`;
  const tiny = compile(text);
  const tinyMachine = createSupervisionMachine(tiny);
  const after = (riskLevel: string, event: SupervisionEvent) => {
    const [start] = initialTransition(tinyMachine, { attributes: { riskLevel } });
    return transition(tinyMachine, start, event)[0].value;
  };

  it('takes the first transition whose guard holds, in order', () => {
    expect(after('low', { type: 'violation.reported', severity: 'minor' })).toBe('supervised');
    expect(after('low', { type: 'violation.reported', severity: 'serious' })).toBe('review');
    expect(after('high', { type: 'violation.reported', severity: 'minor' })).toBe('review');
    expect(after('low', { type: 'violation.reported', severity: 'minor', count: 3 })).toBe('review');
  });

  it('throws, naming the guard, when a guard overflows, and leaves the previous snapshot usable', () => {
    const [start] = initialTransition(tinyMachine, { attributes: { riskLevel: 'low' } });
    const overflowing = { type: 'violation.reported', severity: 'minor', count: 2 ** 62 };
    expect(() => transition(tinyMachine, start, overflowing)).toThrow(
      /guard of transition 1 of state "supervised" on "violation.reported": evaluating ".*" failed: integer overflow/,
    );
    expect(transition(tinyMachine, start, { type: 'violation.reported', severity: 'serious' })[0].value).toBe('review');
  });
});

describe('snapshots are plain JSON (Temporal persists them)', () => {
  it('survive a JSON round trip and continue exactly like the original', () => {
    const midway = send(open({ riskLevel: 'high', isKeyPerson: true }), ...INTAKE, { type: 'education.recorded', hours: 5, date: '2025-03-10' });
    const json = JSON.stringify(midway);
    const restored = restoreCaseSnapshot(machine, JSON.parse(json));
    expect(restored.value).toBe('supervised');
    expect(restored.context).toEqual(midway.context);

    const rest: SupervisionEvent[] = [
      { type: 'education.recorded', hours: 3, date: '2025-03-20' },
      elapsed('education', 0),
      { type: 'visit.recorded', date: '2025-04-02' },
      { type: 'sentence.completed', date: '2025-04-03' },
    ];
    const continued = send(restored, ...rest);
    const original = send(midway, ...rest);
    expect(continued.value).toBe('released');
    expect(continued.status).toBe('done');
    expect(JSON.parse(JSON.stringify(continued))).toEqual(JSON.parse(JSON.stringify(original)));
    expect(continued.context.history.find((r) => r.obligation === 'education' && r.period === 0)).toMatchObject({ total: 8, met: true });
  });

  it('refuses to restore a snapshot of a state the lifecycle does not have', () => {
    const json = JSON.parse(JSON.stringify(open())) as { value: unknown; context: SupervisionSnapshot['context'] };
    expect(() => restoreCaseSnapshot(machine, { ...json, value: 'onParole' })).toThrow('the saved case is in state "onParole", which lifecycle "community-correction-case" does not have');
  });

  it('are the same for the same events, whatever the wall clock says', () => {
    const first = send(open(), ...INTAKE);
    const second = send(open(), ...INTAKE);
    expect(JSON.stringify(second)).toBe(JSON.stringify(first));
  });
});

describe('archive, revocation and death (seed 001 §三(二)·一是; seed 004 §二(二))', () => {
  it('keeps the case in intake until the information archive is created', () => {
    const withoutArchive = send(open(), ...INTAKE.filter((event) => event.type !== 'archive.created'));
    expect(withoutArchive.value).toBe('intake');
    expect(status(withoutArchive, 'archive')).toMatchObject({ total: 0, required: 1, met: false });
  });

  it('waits for the ruling after a revocation proposal, and returns to supervision when the court declines', () => {
    const supervised = send(open(), ...INTAKE);
    const proposed = send(supervised, { type: 'revocation.proposed', date: '2025-04-02', proposal: 'revokeProbation', reason: '多次违反监督管理规定' });
    expect(proposed.value).toBe('awaitingRuling');
    expect(acceptedEvents(proposed, definition)).not.toContain('education.recorded');
    expect(send(proposed, { type: 'case.revoked', date: '2025-04-20', ruling: 'probationRevoked' }).value).toBe('revoked');
    expect(send(proposed, { type: 'revocation.rejected', date: '2025-04-20' }).value).toBe('supervised');
  });

  it('ends by death from any state that is not final', () => {
    expect(send(open(), { type: 'person.died', date: '2025-03-04' }).value).toBe('deceased');
    const supervised = send(open(), ...INTAKE);
    expect(send(supervised, { type: 'person.died', date: '2025-05-01' }).status).toBe('done');
  });

  it('refuses notes longer than their maxLength, counting characters', () => {
    expect(validateCaseEvent(definition, { type: 'phone.recorded', date: '2025-03-10', notes: '好'.repeat(1000) })).toEqual([]);
    expect(validateCaseEvent(definition, { type: 'phone.recorded', date: '2025-03-10', notes: '好'.repeat(1001) })).toEqual([
      'field of event "phone.recorded" "notes" must be at most 1000 characters long, not 1001',
    ]);
  });
});

describe('what the host checks before sending an event', () => {
  it('lists the events each state accepts', () => {
    expect(acceptedEvents(open(), definition)).toEqual([
      'archive.created',
      'attributes.updated',
      'case.revoked',
      'case.transferred',
      'correctionGroup.formed',
      'intake.completed',
      'intakeEducation.recorded',
      'investigation.reported',
      'person.died',
      'psychTest.recorded',
    ]);
    expect(acceptedEvents(send(open(), ...INTAKE), definition)).toEqual([
      'attributes.updated',
      'case.revoked',
      'case.transferred',
      'communityService.recorded',
      'education.recorded',
      'period.elapsed',
      'person.died',
      'phone.recorded',
      'psychTest.recorded',
      'revocation.proposed',
      'sentence.completed',
      'violation.reported',
      'visit.recorded',
      'warning.issued',
    ]);
  });

  it('refuses events that are undeclared or whose payload does not fit, naming the field', () => {
    expect(validateCaseEvent(definition, { type: 'education.recorded', hours: 30, date: '2025-03-10' })).toEqual([
      'field of event "education.recorded" "hours" must be at most 24, not 30',
    ]);
    expect(validateCaseEvent(definition, { type: 'education.recorded', hours: 2.5, date: '2025-02-30', minutes: 5 })).toEqual([
      'field of event "education.recorded" "hours" must be a whole number, not 2.5',
      'field of event "education.recorded" "date" must be a date written YYYY-MM-DD, not "2025-02-30"',
      'unknown field of event "education.recorded" "minutes"; declared: "hours", "date", "notes"',
    ]);
    expect(validateCaseEvent(definition, { type: 'visit.recorded', place: 'pub' })).toEqual([
      'field of event "visit.recorded" "place" must be one of "home", "workplace", "school", "community", not "pub"',
      'field of event "visit.recorded" "date" is required (date)',
    ]);
    expect(validateCaseEvent(definition, { type: 'visit.done' })[0]).toMatch(/^event "visit.done" is not declared in lifecycle "community-correction-case"; declared events: "investigation.reported", "archive.created", "intakeEducation.recorded", /);
    expect(validateCaseEvent(definition, { type: 'phone.recorded', date: '2025-03-10', at: 'yesterday' })).toEqual([
      '"at" of event "phone.recorded" must be a date (YYYY-MM-DD) or a date and time with a zone (e.g. 2025-03-01T09:30:00+08:00), not "yesterday"',
    ]);
    expect(validateCaseEvent(definition, { type: 'attributes.updated', attributes: { isKeyPerson: 'yes' } })).toEqual([
      'attribute "isKeyPerson" must be true or false, not "yes"',
    ]);
    expect(validateCaseEvent(definition, { type: 'period.elapsed', obligation: 'education' })).toEqual([
      'event "period.elapsed" needs "period", the number (from 0) of the period that ended',
    ]);
  });

  it('refuses to open a case without its required attributes', () => {
    expect(validateCaseInput(definition, { attributes: { riskLevel: 'extreme' } })).toEqual(['attribute "riskLevel" must be one of "low", "medium", "high", not "extreme"']);
    expect(validateCaseInput(definition, { attributes: {} })).toEqual(['attribute "riskLevel" is required (string)']);
    // XState turns the refusal into an error snapshot rather than an exception; the host checks `status`.
    const [failed] = initialTransition(machine, { attributes: {} });
    expect(failed.status).toBe('error');
    expect((failed.error as Error).message).toBe('cannot open a "community-correction-case" case: attribute "riskLevel" is required (string)');
  });
});

describe('the compiled machine', () => {
  it('has one XState state per definition state, final ones included', () => {
    const built: SupervisionMachine = createSupervisionMachine(definition);
    expect(Object.keys(built.root.states)).toEqual(['intake', 'supervised', 'awaitingRuling', 'released', 'transferredOut', 'revoked', 'deceased']);
    expect(built.root.states.released?.type).toBe('final');
    expect(built.id).toBe('community-correction-case');
  });
});
