import type { Command } from 'commander';
import type { AuditVerificationDto } from '../../../api/src/audit/audit.dto.js';
import { type ApiOptions, createApiClient, withApiOptions } from '../api-client.js';
import { createOutput, plural } from '../output.js';

/** Exit code of `audit verify` when a chain is broken (as for any failure). */
const EXIT_BROKEN = 1;

/** `procureflow audit …`: the tamper-evident audit trail. */
export function registerAuditCommand(program: Command): void {
  const audit = program.command('audit').description('check the audit trail');

  withApiOptions(
    audit
      .command('verify')
      .description('recompute the audit trail’s hash chains and name the first broken link; exits 1 when broken (needs the administrator role)')
      .option('--cycle <cycleId>', 'check only this cycle’s chain'),
  ).action(async (options: ApiOptions & { json: boolean; cycle?: string }) => {
    const query = options.cycle === undefined ? '' : `?${new URLSearchParams({ cycleId: options.cycle }).toString()}`;
    const { body } = await createApiClient(options).request<AuditVerificationDto>('GET', `/audit/verify${query}`);
    createOutput(options.json).result(body, renderVerification);
    if (!body.intact) process.exitCode = EXIT_BROKEN;
  });
}

/** The verification for a person: one verdict line, then the broken link or the chain's newest entry. */
export function renderVerification(result: AuditVerificationDto): string {
  const scope = result.cycleId === null ? 'the audit trail' : `the audit chain of ${result.cycleId}`;
  const checked = plural(result.entriesChecked, 'entry', 'entries');
  const broken = result.firstBreak;
  if (!broken) {
    return [
      `Intact: ${scope}, ${checked} checked.`,
      `  newest entry  ${result.head.entryId ?? '-'}`,
      `  its hash      ${result.head.hash}`,
      `  checked at    ${result.verifiedAt}`,
    ].join('\n');
  }
  return [
    `BROKEN: ${scope}, first broken link at entry ${broken.entryId ?? '-'} (${broken.link} link of the ${broken.chain} chain).`,
    `  ${broken.message}`,
    `  expected      ${broken.expected}`,
    `  found         ${broken.found}`,
    `  last intact   ${result.head.entryId ?? '-'} (${result.head.hash})`,
    `  checked       ${checked}, at ${result.verifiedAt}`,
  ].join('\n');
}
