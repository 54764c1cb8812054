import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Diagnostic } from '../../../../src/definitions/diagnostics.js';
import { runRules } from '../../../../src/definitions/rules/rule.js';
import { zodIssueToDiagnostic } from '../../../../src/definitions/schema/schema-diagnostics.js';
import { parseYamlSource } from '../../../../src/definitions/source/yaml-source.js';
import { supervisionRules } from '../../../../src/definitions/supervision/supervision.rules.js';
import { SupervisionSchema } from '../../../../src/definitions/supervision/supervision.schema.js';

const SEED_FILE = fileURLToPath(new URL('../../../../definitions/supervision/community-correction-case.yaml', import.meta.url));

/** YAML → schema → semantic rules, the way the compiler does it, returning every diagnostic. */
function diagnose(text: string, file = 'case.yaml'): Diagnostic[] {
  const { source, diagnostics } = parseYamlSource(text, file);
  if (diagnostics.length > 0) return diagnostics;
  const parsed = SupervisionSchema.safeParse(source.data);
  if (!parsed.success) return parsed.error.issues.map((issue) => zodIssueToDiagnostic(issue, source));
  return runRules(supervisionRules, parsed.data, source);
}

/** The shape of a diagnostic that the tests pin down: rule, line, column. */
const where = (d: Diagnostic) => ({ ruleId: d.ruleId, line: d.line, column: d.column });

/** A small valid lifecycle; each test breaks one thing in it. */
const BASE = `apiVersion: procureflow.gov.cn/v1
kind: SupervisionLifecycle
metadata:
  key: tiny-case
  title: { zh: 小案例, en: Tiny case }
  sources: [{ seed: 001_74c0714c9c5763fe.txt, section: §三(二)·四是 }]
attributes:
  - { id: isKeyPerson, title: { zh: 重点对象, en: Key person }, type: bool, default: false }
events:
  - id: visit.recorded
    title: { zh: 走访, en: Visit }
    payload:
      - { id: hours, type: int, min: 1 }
      - { id: place, type: string, oneOf: [home, work] }
  - { id: case.closed, title: { zh: 结案, en: Closed } }
initial: open
states:
  - id: open
    title: { zh: 在矫, en: Open }
    obligations:
      - id: visits
        title: { zh: 走访, en: Visits }
        event: visit.recorded
        measure: { count: true }
        atLeast: 1
        per: P1M
    on:
      - { event: case.closed, target: closed, guard: "obligations.visits.met" }
  - id: closed
    title: { zh: 结案, en: Closed }
    type: final
`;

/** BASE with `from` replaced by `to` (which must be there exactly once, so a test cannot silently break nothing). */
function broken(from: string, to: string): string {
  expect(BASE.split(from)).toHaveLength(2);
  return BASE.replace(from, to);
}

describe('the shipped community-correction lifecycle', () => {
  const text = readFileSync(SEED_FILE, 'utf8');

  it('passes the schema and every semantic rule with no diagnostics', () => {
    expect(diagnose(text, 'definitions/supervision/community-correction-case.yaml')).toEqual([]);
  });

  it('encodes the service levels of the seeds (DESIGN.md §2)', () => {
    const definition = SupervisionSchema.parse(parseYamlSource(text, 'x').source.data);
    const obligations = Object.fromEntries(
      definition.states.flatMap((state) => state.obligations.map((o) => [`${state.id}.${o.id}`, { atLeast: o.atLeast, per: o.per, measure: o.measure }])),
    );
    expect(obligations).toEqual({
      'intake.archive': { atLeast: 1, per: 'state', measure: { count: true } },
      'intake.intakeEducation': { atLeast: 3, per: 'state', measure: { sum: 'days' } },
      'intake.psychTest': { atLeast: 1, per: 'state', measure: { count: true } },
      'intake.correctionGroup': { atLeast: 3, per: 'state', measure: { max: 'members' } },
      'supervised.education': { atLeast: 8, per: 'P1M', measure: { sum: 'hours' } },
      'supervised.communityService': { atLeast: 8, per: 'P1M', measure: { sum: 'hours' } },
      'supervised.homeVisit': { atLeast: 1, per: 'P1M', measure: { count: true } },
      'supervised.keyPersonVisit': { atLeast: 1, per: 'P15D', measure: { count: true } },
      'supervised.phoneFollowUp': { atLeast: 1, per: 'P1W', measure: { count: true } },
    });
  });

  it('cites seeds 000, 001, 002 and 004 by file name, and every obligation cites its source', () => {
    const definition = SupervisionSchema.parse(parseYamlSource(text, 'x').source.data);
    const cited = new Set(definition.metadata.sources.map((s) => s.seed));
    expect(cited).toEqual(
      new Set(['000_4492796cb535f309.txt', '001_74c0714c9c5763fe.txt', '002_6210f319696acedb.txt', '004_f522fc3792ed1dfa.txt']),
    );
    for (const state of definition.states) for (const obligation of state.obligations) expect(obligation.sources?.length).toBeGreaterThan(0);
  });
});

describe('the base fixture', () => {
  it('is valid, so every diagnostic below comes from the one thing each test breaks', () => {
    expect(diagnose(BASE)).toEqual([]);
  });
});

describe('PF-SUP-UNIQUE', () => {
  it('reports a second event with the same id at its id, naming the line of the first', () => {
    const text = broken('  - { id: case.closed,', '  - { id: visit.recorded, title: { zh: 重复, en: Again } }\n  - { id: case.closed,');
    const diagnostics = diagnose(text);
    expect(diagnostics.map(where)).toEqual([{ ruleId: 'PF-SUP-UNIQUE', line: 15, column: 11 }]);
    expect(diagnostics[0]?.message).toBe('event "visit.recorded" is declared twice (first on line 10); give each one its own id');
    expect(diagnostics[0]?.path).toBe('events[1].id');
  });

  it('reports duplicate obligations of a state and duplicate payload fields of an event', () => {
    const text = broken('      - { id: place, type: string', '      - { id: hours, type: string');
    expect(diagnose(text).map(where)).toEqual([{ ruleId: 'PF-SUP-UNIQUE', line: 14, column: 15 }]);
    const twice = broken(
      '        per: P1M\n',
      '        per: P1M\n      - { id: visits, title: { zh: 再次, en: Again }, event: visit.recorded, measure: { count: true }, atLeast: 2, per: P1W }\n',
    );
    const diagnostics = diagnose(twice);
    expect(diagnostics.map(where)).toEqual([{ ruleId: 'PF-SUP-UNIQUE', line: 27, column: 15 }]);
    expect(diagnostics[0]?.message).toContain('obligation of state "open" "visits" is declared twice (first on line 21)');
  });
});

describe('PF-SUP-INITIAL', () => {
  it('reports an undeclared initial state and lists the states', () => {
    const diagnostics = diagnose(broken('initial: open', 'initial: opne'));
    expect(diagnostics.map(where)).toEqual([{ ruleId: 'PF-SUP-INITIAL', line: 16, column: 10 }]);
    expect(diagnostics[0]?.message).toBe('initial state "opne" is not declared; choose one of the states: "open", "closed"');
  });

  it('refuses to start in a final state', () => {
    const diagnostics = diagnose(broken('initial: open', 'initial: closed'));
    expect(diagnostics.map(where)).toContainEqual({ ruleId: 'PF-SUP-INITIAL', line: 16, column: 10 });
  });
});

describe('PF-SUP-TARGET', () => {
  it('reports an undeclared target at the target and lists the states; the state it meant shows as unreachable, and nothing more', () => {
    const diagnostics = diagnose(broken('target: closed,', 'target: clsoed,'));
    expect(diagnostics.map(where)).toEqual([
      { ruleId: 'PF-SUP-TARGET', line: 28, column: 39 },
      { ruleId: 'PF-SUP-REACHABLE', line: 29, column: 9 },
    ]);
    expect(diagnostics[0]?.message).toBe('target state "clsoed" is not declared; choose one of: "open", "closed"');
    expect(diagnostics[0]?.path).toBe('states[0].on[0].target');
  });
});

describe('PF-SUP-EVENT', () => {
  it('reports a transition on an undeclared event and lists the declared ones', () => {
    const diagnostics = diagnose(broken('{ event: case.closed,', '{ event: case.close,'));
    expect(diagnostics.map(where)).toEqual([{ ruleId: 'PF-SUP-EVENT', line: 28, column: 18 }]);
    expect(diagnostics[0]?.message).toBe('event "case.close" is not declared under "events"; declare it or use one of: "visit.recorded", "case.closed"');
  });

  it('refuses to declare or transition on the built-in events', () => {
    const declared = diagnose(broken('  - { id: case.closed,', '  - { id: period.elapsed, title: { zh: 周期, en: Period } }\n  - { id: case.closed,'));
    expect(declared.map(where)).toEqual([{ ruleId: 'PF-SUP-EVENT', line: 15, column: 11 }]);
    const used = diagnose(broken('      - { event: case.closed, target: closed,', '      - { event: period.elapsed }\n      - { event: case.closed, target: closed,'));
    expect(used.map(where)).toEqual([{ ruleId: 'PF-SUP-EVENT', line: 28, column: 18 }]);
    expect(used[0]?.message).toContain('"period.elapsed" is handled by the machine itself');
  });
});

describe('PF-SUP-MEASURE', () => {
  it('reports an obligation counting an undeclared event', () => {
    const diagnostics = diagnose(broken('        event: visit.recorded', '        event: visit.done'));
    expect(diagnostics.map(where)).toEqual([{ ruleId: 'PF-SUP-MEASURE', line: 23, column: 16 }]);
    expect(diagnostics[0]?.message).toBe('obligation "visits" counts event "visit.done", which is not declared; use one of: "visit.recorded", "case.closed"');
  });

  it('reports a sum over a field the event does not have, listing its whole-number fields', () => {
    const diagnostics = diagnose(broken('measure: { count: true }', 'measure: { sum: minutes }'));
    expect(diagnostics.map(where)).toEqual([{ ruleId: 'PF-SUP-MEASURE', line: 24, column: 25 }]);
    expect(diagnostics[0]?.message).toBe('event "visit.recorded" has no payload field "minutes"; its whole-number fields are: "hours"');
  });

  it('reports a sum over a text field', () => {
    const diagnostics = diagnose(broken('measure: { count: true }', 'measure: { sum: place }'));
    expect(diagnostics.map(where)).toEqual([{ ruleId: 'PF-SUP-MEASURE', line: 24, column: 25 }]);
    expect(diagnostics[0]?.message).toContain('payload field "place" of event "visit.recorded" is string, not a whole number');
  });
});

describe('PF-SUP-FIELD', () => {
  it('reports bounds on text, choices on numbers, min above max, and defaults that do not fit', () => {
    const text = broken(
      '      - { id: hours, type: int, min: 1 }\n      - { id: place, type: string, oneOf: [home, work] }',
      '      - { id: hours, type: int, min: 5, max: 2, oneOf: [a] }\n      - { id: place, type: string, oneOf: [home, work], min: 1, default: office }',
    );
    expect(diagnose(text).map((d) => ({ ...where(d), path: d.path }))).toEqual([
      { ruleId: 'PF-SUP-FIELD', line: 13, column: 46, path: 'events[0].payload[0].max' },
      { ruleId: 'PF-SUP-FIELD', line: 13, column: 56, path: 'events[0].payload[0].oneOf' },
      { ruleId: 'PF-SUP-FIELD', line: 14, column: 62, path: 'events[0].payload[1].min' },
      { ruleId: 'PF-SUP-FIELD', line: 14, column: 74, path: 'events[0].payload[1].default' },
    ]);
    const messages = diagnose(text).map((d) => d.message);
    expect(messages).toContain('payload field of event "visit.recorded" "place" is string; "min" applies only to whole numbers (type int), remove it');
    expect(messages).toContain('the default of payload field of event "visit.recorded" "place" must be one of "home", "work", not "office"');
  });

  it('reports a payload field using a reserved name', () => {
    const diagnostics = diagnose(broken('      - { id: hours, type: int, min: 1 }', '      - { id: at, type: date }'));
    expect(diagnostics.map(where)).toEqual([{ ruleId: 'PF-SUP-FIELD', line: 13, column: 15 }]);
  });
});

describe('PF-SUP-PERIOD', () => {
  it('reports an empty period', () => {
    const diagnostics = diagnose(broken('        per: P1M', '        per: P0D'));
    expect(diagnostics.map(where)).toEqual([{ ruleId: 'PF-SUP-PERIOD', line: 26, column: 14 }]);
  });

  it('reports calendar alignment on a period the calendar does not have', () => {
    const diagnostics = diagnose(broken('        per: P1M', '        per: P2W\n        alignment: calendar'));
    expect(diagnostics.map(where)).toEqual([{ ruleId: 'PF-SUP-PERIOD', line: 26, column: 14 }]);
    expect(diagnostics[0]?.message).toBe(
      'obligation "visits" follows the calendar, which has no period "P2W"; use one of "P1D", "P1W", "P15D", "P1M", "P3M", "P1Y", or "alignment: rolling"',
    );
  });

  it('reports calendar alignment of a whole-stay obligation', () => {
    const diagnostics = diagnose(broken('        per: P1M', '        per: state\n        alignment: calendar'));
    expect(diagnostics.map(where)).toEqual([{ ruleId: 'PF-SUP-PERIOD', line: 27, column: 20 }]);
  });
});

describe('PF-SUP-REACHABLE', () => {
  it('reports a state no transition leads to', () => {
    const text = broken('  - id: closed\n', '  - id: limbo\n    title: { zh: 悬置, en: Limbo }\n    on: [{ event: case.closed, target: closed }]\n  - id: closed\n');
    const diagnostics = diagnose(text);
    expect(diagnostics.map(where)).toEqual([{ ruleId: 'PF-SUP-REACHABLE', line: 29, column: 9 }]);
    expect(diagnostics[0]?.message).toBe('state "limbo" can never be reached from the initial state "open"; add a transition to it or remove it');
  });
});

describe('PF-SUP-FINAL', () => {
  it('reports a state from which no final state can be reached', () => {
    const text = broken(
      '      - { event: case.closed, target: closed, guard: "obligations.visits.met" }\n',
      '      - { event: case.closed, target: closed, guard: "obligations.visits.met" }\n      - { event: visit.recorded, target: stuck, guard: "event.hours > 20" }\n  - id: stuck\n    title: { zh: 停滞, en: Stuck }\n',
    );
    const diagnostics = diagnose(text);
    expect(diagnostics.map(where)).toEqual([{ ruleId: 'PF-SUP-FINAL', line: 30, column: 9 }]);
    expect(diagnostics[0]?.message).toBe('a case in state "stuck" could never close: no final state ("closed") can be reached from it; add a transition towards one');
  });

  it('reports a lifecycle without any final state', () => {
    const diagnostics = diagnose(broken('    type: final\n', '    on: [{ event: case.closed, target: open }]\n'));
    expect(diagnostics.map(where)).toEqual([{ ruleId: 'PF-SUP-FINAL', line: 18, column: 3 }]);
    expect(diagnostics[0]?.message).toContain('no state is final');
  });

  it('reports obligations and transitions of a final state', () => {
    const text = broken(
      '    type: final\n',
      '    type: final\n    obligations: [{ id: calls, title: { zh: 电话, en: Calls }, event: visit.recorded, measure: { count: true }, atLeast: 1, per: P1W }]\n    on: [{ event: case.closed, target: open }]\n',
    );
    expect(diagnose(text).map(where)).toEqual([
      { ruleId: 'PF-SUP-FINAL', line: 32, column: 18 },
      { ruleId: 'PF-SUP-FINAL', line: 33, column: 9 },
    ]);
  });
});

describe('PF-SUP-SHADOWED', () => {
  it('reports a transition listed after an unguarded one on the same event', () => {
    const text = broken(
      '      - { event: case.closed, target: closed, guard: "obligations.visits.met" }\n',
      '      - { event: case.closed, target: closed }\n      - { event: case.closed, target: closed, guard: "obligations.visits.met" }\n',
    );
    const diagnostics = diagnose(text);
    expect(diagnostics.map(where)).toEqual([{ ruleId: 'PF-SUP-SHADOWED', line: 29, column: 9 }]);
    expect(diagnostics[0]?.message).toContain('transition 1 of state "open" takes that event without a guard');
  });
});

describe('PF-SUP-EXPR', () => {
  it('reports an unknown obligation in a guard, with the column of the problem inside the expression and the variables available', () => {
    const diagnostics = diagnose(broken('guard: "obligations.visits.met"', 'guard: "obligations.visit.met"'));
    expect(diagnostics.map(where)).toEqual([{ ruleId: 'PF-SUP-EXPR', line: 28, column: 67 }]);
    // The scalar starts at column 54 (its quote); "visit" is 12 characters into the expression: 54 + 1 + 12.
    expect(diagnostics[0]?.message).toBe(
      'No such key: visit in: obligations.visit.met — available here: attributes.isKeyPerson, obligations.visits.{met,total,required,applies,missedPeriods}',
    );
  });

  it('reports a guard that does not give true/false', () => {
    const diagnostics = diagnose(broken('guard: "obligations.visits.met"', 'guard: "obligations.visits.total"'));
    expect(diagnostics.map(where)).toEqual([{ ruleId: 'PF-SUP-EXPR', line: 28, column: 55 }]);
    expect(diagnostics[0]?.message).toContain('the expression gives a whole number (or an amount in fen) where true/false is needed');
  });

  it('checks appliesWhen against attributes only, and countsWhen against attributes and the payload', () => {
    const applies = diagnose(broken('        per: P1M', '        per: P1M\n        appliesWhen: event.hours > 1'));
    expect(applies.map(where)).toEqual([{ ruleId: 'PF-SUP-EXPR', line: 27, column: 22 }]);
    expect(applies[0]?.message).toMatch(/available here: attributes\.isKeyPerson$/);
    const counts = diagnose(broken('        per: P1M', '        per: P1M\n        countsWhen: event.place == "home" && event.hours >= "2"'));
    expect(counts.map(where)).toEqual([{ ruleId: 'PF-SUP-EXPR', line: 27, column: 46 }]);
    expect(diagnose(broken('        per: P1M', '        per: P1M\n        countsWhen: event.place == "home" && attributes.isKeyPerson'))).toEqual([]);
  });

  it('lets guards read the payload of their own event', () => {
    const text = broken(
      '    on:\n',
      '    on:\n      - { event: visit.recorded, target: closed, guard: "event.hours >= 3 && event.place == \'home\'" }\n',
    );
    expect(diagnose(text)).toEqual([]);
    const wrong = broken('    on:\n', '    on:\n      - { event: case.closed, target: closed, guard: "event.hours >= 3" }\n');
    expect(diagnose(wrong).map(where)).toContainEqual({ ruleId: 'PF-SUP-EXPR', line: 28, column: 61 });
  });
});

describe('the schema', () => {
  it('reports an event id that is not dot-namespaced', () => {
    const diagnostics = diagnose(broken('  - { id: case.closed,', '  - { id: caseClosed,'));
    expect(diagnostics.map(where)).toContainEqual({ ruleId: 'PF-SCHEMA', line: 15, column: 11 });
  });

  it('reports a misspelt property of an obligation, and the required one it lacks', () => {
    const diagnostics = diagnose(broken('        atLeast: 1', '        atleast: 1'));
    expect(diagnostics.map((d) => ({ ...where(d), message: d.message }))).toEqual([
      { ruleId: 'PF-SCHEMA', line: 21, column: 9, message: '"atLeast" is required (a number)' },
      { ruleId: 'PF-SCHEMA', line: 25, column: 18, message: 'unknown property "atleast" in item 1 of "obligations"; check its spelling against definitions/README.md' },
    ]);
  });
});
