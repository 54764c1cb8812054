import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import type { StaffDto, StaffingReportDto, StaffListDto } from '../../../api/src/staff/staff.dto.js';
import { type ApiOptions, createApiClient, withApiOptions } from '../api-client.js';
import { CliError, createOutput, formatTable } from '../output.js';

interface JsonOption {
  readonly json: boolean;
}

/** Repeats a failed request's id in its message: the same id never takes effect twice. */
function withRequestId(error: unknown, requestId: string): unknown {
  return error instanceof CliError ? new CliError(`${error.message} (request id ${requestId})`, error.exitCode, error.report, { ...error.data, requestId }) : error;
}

const KINDS = ['socialWorker', 'volunteer'];

function renderMember(m: StaffDto): string {
  return [
    `${m.name} (${m.id})`,
    `  kind           ${m.kind}`,
    `  qualification  ${m.qualification ?? '-'}`,
    `  joined         ${m.joinedOn}${m.leftOn ? `, left ${m.leftOn}` : ''}`,
    `  active cases   ${m.activeCases}`,
  ].join('\n');
}

/** `procureflow staff …`: an undertaking organisation's social workers and volunteers, and its staffing against the ratios. */
export function registerStaffCommand(program: Command): void {
  const staff = program.command('staff').description('a vendor’s social workers and volunteers: register, list, end a membership, and report staffing against the lifecycles’ ratios');

  withApiOptions(
    staff
      .command('register')
      .description('register a social worker or volunteer of your organisation')
      .argument('<vendorId>')
      .requiredOption('--name <name>', 'the member’s name')
      .requiredOption('--kind <kind>', `one of ${KINDS.join(', ')}`)
      .option('--qualification <text>', 'professional qualification, e.g. 社会工作者职业资格')
      .option('--joined <date>', 'the day they joined, YYYY-MM-DD (default: today, China time)')
      .option('--request-id <id>', 'repeat a registration safely: the same id registers one member (default: a fresh id)'),
  ).action(async (vendorId: string, options: ApiOptions & JsonOption & { name: string; kind: string; qualification?: string; joined?: string; requestId?: string }) => {
    if (!KINDS.includes(options.kind)) throw new CliError(`--kind must be one of ${KINDS.join(', ')}`, 2);
    const requestId = options.requestId ?? randomUUID();
    try {
      const { body } = await createApiClient(options).request<StaffDto>('POST', `/vendors/${encodeURIComponent(vendorId)}/staff`, {
        name: options.name,
        kind: options.kind,
        ...(options.qualification ? { qualification: options.qualification } : {}),
        ...(options.joined ? { joinedOn: options.joined } : {}),
        requestId,
      });
      createOutput(options.json).result(body, (m) => `Registered ${renderMember(m)}`);
    } catch (error) {
      throw withRequestId(error, requestId);
    }
  });

  withApiOptions(
    staff
      .command('list')
      .description('list a vendor’s staff, with the cases each serves now')
      .argument('<vendorId>')
      .option('--kind <kind>', `only ${KINDS.join(' or ')}`)
      .option('--current', 'only those who are staff now'),
  ).action(async (vendorId: string, options: ApiOptions & JsonOption & { kind?: string; current?: boolean }) => {
    const query = new URLSearchParams();
    if (options.kind) query.set('kind', options.kind);
    if (options.current) query.set('current', 'true');
    const suffix = query.size > 0 ? `?${query.toString()}` : '';
    const { body } = await createApiClient(options).request<StaffListDto>('GET', `/vendors/${encodeURIComponent(vendorId)}/staff${suffix}`);
    createOutput(options.json).result(body, ({ staff: rows }) =>
      rows.length === 0
        ? 'No staff.'
        : formatTable(
            ['ID', 'NAME', 'KIND', 'JOINED', 'LEFT', 'ACTIVE CASES'],
            rows.map((m) => [m.id, m.name, m.kind, m.joinedOn, m.leftOn ?? '-', String(m.activeCases)]),
          ),
    );
  });

  withApiOptions(
    staff
      .command('leave')
      .description('end a member’s membership: from that day they are not staff')
      .argument('<vendorId>')
      .argument('<staffId>')
      .requiredOption('--on <date>', 'the day they left, YYYY-MM-DD')
      .option('--request-id <id>', 'repeat a request safely (default: a fresh id)'),
  ).action(async (vendorId: string, staffId: string, options: ApiOptions & JsonOption & { on: string; requestId?: string }) => {
    const requestId = options.requestId ?? randomUUID();
    try {
      const { body } = await createApiClient(options).request<StaffDto>('POST', `/vendors/${encodeURIComponent(vendorId)}/staff/${encodeURIComponent(staffId)}/departure`, {
        leftOn: options.on,
        requestId,
      });
      createOutput(options.json).result(body, (m) => `${m.name} (${m.id}) left on ${m.leftOn ?? options.on}`);
    } catch (error) {
      throw withRequestId(error, requestId);
    }
  });

  withApiOptions(
    staff
      .command('report')
      .description('measure a vendor’s staffing at an instant against its cases’ lifecycle ratios')
      .argument('<vendorId>')
      .option('--at <instant>', 'the instant, e.g. 2026-04-01T00:00:00+08:00 (default: now)')
      .option('--contract <contractId>', 'only this contract’s cases'),
  ).action(async (vendorId: string, options: ApiOptions & JsonOption & { at?: string; contract?: string }) => {
    const query = new URLSearchParams();
    if (options.at) query.set('at', options.at);
    if (options.contract) query.set('contractId', options.contract);
    const suffix = query.size > 0 ? `?${query.toString()}` : '';
    const { body } = await createApiClient(options).request<StaffingReportDto>('GET', `/vendors/${encodeURIComponent(vendorId)}/staffing${suffix}`);
    createOutput(options.json).result(body, renderReport);
  });
}

function renderReport(r: StaffingReportDto): string {
  const ratio = (s: { key: string; value: number; lifecycleKey: string; lifecycleVersion: number; cited: string | null }) =>
    `${s.key} ${s.value} (${s.lifecycleKey} v${s.lifecycleVersion}${s.cited ? `, ${s.cited}` : ''})`;
  return [
    `Staffing of ${r.vendorId}${r.contractId ? ` (contract ${r.contractId})` : ''} at ${r.at}`,
    `  active cases ${r.activeCases}, social workers ${r.socialWorkers}, volunteers ${r.volunteers}, breaches ${r.breaches}`,
    ...(r.overloadedWorkers.length > 0
      ? ['', 'Social workers over their ratio:', formatTable(['WORKER', 'CASES', 'RATIO'], r.overloadedWorkers.map((w) => [`${w.name} (${w.staffId})`, String(w.cases), ratio(w.ratio)]))]
      : []),
    ...(r.casesWithoutSocialWorker.length > 0 ? ['', 'Cases without a social worker:', formatTable(['CASE', 'RATIO'], r.casesWithoutSocialWorker.map((c) => [c.caseId, ratio(c.ratio)]))] : []),
    ...(r.casesShortOfVolunteers.length > 0
      ? ['', 'Cases short of volunteers:', formatTable(['CASE', 'VOLUNTEERS', 'RATIO'], r.casesShortOfVolunteers.map((c) => [c.caseId, String(c.volunteers), ratio(c.ratio)]))]
      : []),
  ].join('\n');
}
