import { actsForVendor, caseRolesHeld, eventRecorder, servesCase } from '../../../../src/definitions/supervision/case-roles.js';
import { recordableEvents } from '../../../../apps/console/src/pages/cases/recordable-events.js';

/** The roles of the test lifecycle (test/integration/fixtures/case-lifecycle.yaml), plus a second office role. */
const ROLES = [
  { id: 'judicial-office', vendorStaff: false },
  { id: 'justice-bureau', vendorStaff: false },
  { id: 'social-worker', vendorStaff: true },
];

/**
 * Who records which event on a case: the rule the case workflow enforces and the console's menu of events
 * follows. An event without `recordedBy` is the office's (every role but vendor staff); a lifecycle
 * declaring no roles lets anyone record anything.
 */
describe('who records an event on a case', () => {
  it('is the roles the event names, when it names any', () => {
    expect(eventRecorder(ROLES, ['social-worker'], ['social-worker'])).toEqual({ allowed: ['social-worker'], role: 'social-worker', permitted: true });
    expect(eventRecorder(ROLES, ['social-worker'], ['judicial-office'])).toEqual({ allowed: ['social-worker'], role: undefined, permitted: false });
  });

  it('is every role but vendor staff, when the event names none', () => {
    expect(eventRecorder(ROLES, undefined, ['justice-bureau'])).toEqual({ allowed: ['judicial-office', 'justice-bureau'], role: 'justice-bureau', permitted: true });
    expect(eventRecorder(ROLES, undefined, caseRolesHeld(ROLES, ['vendor'], true)).permitted).toBe(false);
  });

  it('is anyone, when the lifecycle declares no roles', () => {
    expect(eventRecorder([], undefined, ['finance-bureau'])).toEqual({ allowed: [], role: undefined, permitted: true });
    expect(eventRecorder([], ['judicial-office'], []).permitted).toBe(true);
  });

  it('gives vendor staff every vendor staff role of the lifecycle, and no one else', () => {
    expect(caseRolesHeld(ROLES, ['vendor'], true)).toEqual(['vendor', 'social-worker']);
    expect(caseRolesHeld(ROLES, ['judicial-office'], false)).toEqual(['judicial-office']);
  });

  it('binds vendor staff, and whoever acts in a vendor staff role, to the organisation serving the case', () => {
    expect([actsForVendor(ROLES, 'judicial-office', false), actsForVendor(ROLES, 'social-worker', false), actsForVendor(ROLES, 'social-worker', true)]).toEqual([false, true, true]);
    expect([servesCase('v-1', 'v-1'), servesCase('v-1', 'v-2'), servesCase(null, 'v-1'), servesCase(null, undefined)]).toEqual([true, false, false, false]);
  });
});

describe('the events the console offers on a case', () => {
  const event = (id: string, recordedBy: string[] | undefined) => ({ id, title: undefined, fields: [], recordedBy });
  const lifecycle = {
    roles: ROLES,
    events: [event('visit.recorded', ['social-worker']), event('warning.issued', undefined), event('intake.completed', ['judicial-office']), event('case.terminated', ['judicial-office'])],
  };
  const accepted = ['visit.recorded', 'warning.issued', 'intake.completed'];
  const offered = (actor: { roles: string[]; vendorId?: string | null }, vendorId: string | null = 'v-1') =>
    recordableEvents(lifecycle, actor, { vendorId, acceptedEvents: accepted }).map((e) => e.id);

  it('are the accepted events the workflow lets the user record', () => {
    // An event naming no recorders is the office's: the serving organisation's staff are not offered it.
    expect(offered({ roles: ['vendor'], vendorId: 'v-1' })).toEqual(['visit.recorded']);
    expect(offered({ roles: ['judicial-office'], vendorId: null })).toEqual(['warning.issued', 'intake.completed']);
    expect(offered({ roles: ['justice-bureau'] })).toEqual(['warning.issued']);
    expect(offered({ roles: ['finance-bureau'] })).toEqual([]);
  });

  it('are none for staff of an organisation that does not serve the case, nor for a case no organisation serves', () => {
    expect(offered({ roles: ['vendor'], vendorId: 'v-2' })).toEqual([]);
    expect(offered({ roles: ['vendor'], vendorId: 'v-1' }, null)).toEqual([]);
  });

  it('are every accepted event when the lifecycle declares no roles', () => {
    expect(recordableEvents({ roles: [], events: lifecycle.events }, { roles: ['finance-bureau'] }, { vendorId: null, acceptedEvents: accepted }).map((e) => e.id)).toEqual(accepted);
  });
});
