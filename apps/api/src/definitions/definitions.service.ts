import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { CompiledDefinition, DefinitionKind } from '../../../../src/definitions/compiled-definition.js';
import type { CompileResult } from '../../../../src/definitions/compiler.js';
import { diffDefinitions } from '../../../../src/definitions/definition-diff.js';
import { type Diagnostic, formatDiagnostic } from '../../../../src/definitions/diagnostics.js';
import type { ServiceType } from '../../../../src/definitions/procedure/procedure.schema.js';
import { DEFINITION_LIMITS } from '../../../../src/definitions/source/source-limits.js';
import { ADMINISTRATOR_ROLE, type Identity, jurisdictionAllows, NATIONAL_JURISDICTION } from '../../../../src/identity/identity.js';
import { DefinitionInvalidError, type FieldProblem, ForbiddenError, NotFoundError, PayloadTooLargeError, ValidationError } from '../common/domain-errors.js';
import { DefinitionCompilerPool } from './definition-compiler.pool.js';
import {
  type DefinitionChangeKind,
  type DefinitionDiffDto,
  type DefinitionFileDto,
  type DefinitionHistoryDto,
  type DefinitionListDto,
  type DefinitionSummaryDto,
  type DefinitionVersionDto,
  type DeployedDefinitionDto,
  type DeployResultDto,
  type FileValidationDto,
  type ValidationReportDto,
} from './definitions.dto.js';
import { type DefinitionVersionContent, type DefinitionVersionRecord, DefinitionsRepository } from './definitions.repository.js';

/** A submitted file that compiled, with its position in the request for error details. */
interface CompiledFile {
  readonly index: number;
  readonly file: DefinitionFileDto;
  readonly compiled: CompiledDefinition;
  readonly jurisdiction: string | null;
}

/**
 * The definition registry's rules: files are compiled before anything is stored, off the event loop
 * and within a time budget; a deploy is all or nothing; equal content is the same version; a key keeps
 * its kind; callers see what their jurisdiction allows (see jurisdictionAllows), and what they may not
 * see looks like it does not exist; they deploy only their own jurisdiction's definitions (see
 * deployAllows).
 */
@Injectable()
export class DefinitionsService {
  constructor(
    private readonly repository: DefinitionsRepository,
    private readonly compiler: DefinitionCompilerPool,
  ) {}

  /** Compiles every file and reports on each; stores nothing. */
  async validate(files: readonly DefinitionFileDto[]): Promise<ValidationReportDto> {
    refuseDuplicateFileNames(files);
    refuseOversizedFiles(files);
    const results = await this.compileEach(files, 'No report was made');
    const reports = results.map(({ file, result }): FileValidationDto =>
      result.ok
        ? { file: file.file, ok: true, kind: result.compiled.kind, key: result.compiled.key, contentHash: result.compiled.contentHash, diagnostics: [] }
        : { file: file.file, ok: false, diagnostics: [...result.diagnostics] },
    );
    return { valid: reports.every((report) => report.ok), files: reports };
  }

  /**
   * Deploys every file in one transaction, or none of them. Each file either matches an existing
   * version of its key (same content hash: returned with `created: false`) or becomes the key's next
   * version. Writes one audit entry per file.
   */
  async deploy(user: Identity, files: readonly DefinitionFileDto[], comment: string | undefined): Promise<DeployResultDto> {
    refuseDuplicateFileNames(files);
    refuseOversizedFiles(files);
    const batch = refuseInvalid(await this.compileEach(files, 'Nothing was deployed'));
    refuseConflictingKeys(batch);
    refuseOtherJurisdictions(user, batch);
    const occurredAt = new Date().toISOString();
    const deployId = randomUUID();

    return this.repository.inTransaction(async (registry) => {
      // Locks taken in one order (sorted keys), so two overlapping deploys cannot deadlock.
      for (const key of [...new Set(batch.map((item) => item.compiled.key))].sort()) await registry.lockKey(key);

      const deployed: DeployedDefinitionDto[] = [];
      for (const item of batch) {
        const { key, kind, contentHash } = item.compiled;
        const latest = await registry.latestVersion(key);
        // The key's owner decides, not only the new file: otherwise a county could take over a
        // national key (a calendar every jurisdiction's deadlines use) by declaring it its own.
        if (latest && !deployAllows(user.jurisdiction, latest.jurisdiction)) {
          throw new ForbiddenError(
            `The key "${key}" (${item.file.file}) is registered ${describeOwner(latest.jurisdiction)}, and your jurisdiction is "${user.jurisdiction}": nothing was deployed.`,
            [{ field: `files[${item.index}].text`, problem: `metadata.key "${key}" is registered ${describeOwner(latest.jurisdiction)}; ${remedy(latest.jurisdiction)}` }],
          );
        }
        if (latest && latest.kind !== kind) {
          throw new ValidationError(
            `${item.file.file} defines "${key}" as a ${kind}, but "${key}" is a ${latest.kind} (version ${latest.version}): a key keeps its kind, so choose another key. Nothing was deployed.`,
            [{ field: `files[${item.index}].text`, problem: `kind ${kind} differs from ${latest.kind}, the kind of "${key}" in version ${latest.version}` }],
          );
        }
        const existing = await registry.findByContentHash(key, contentHash);
        const record =
          existing ??
          (await registry.insertVersion({
            key,
            kind,
            version: (latest?.version ?? 0) + 1,
            contentHash,
            title: item.compiled.definition.metadata.title,
            jurisdiction: item.jurisdiction,
            serviceType: item.compiled.kind === 'Procedure' ? item.compiled.definition.metadata.serviceType : null,
            sourceFile: item.file.file,
            sourceText: item.file.text,
            compiled: item.compiled.definition as unknown as Record<string, unknown>,
            deployedBy: user.userId,
          }));
        const created = existing === undefined;
        await registry.appendAudit({
          idempotencyKey: `definition.deployed:${deployId}:${key}`,
          occurredAt,
          actorId: user.userId,
          actorRole: ADMINISTRATOR_ROLE,
          jurisdiction: user.jurisdiction,
          action: 'definition.deployed',
          subjectType: 'definition',
          subjectId: key,
          comment: comment ?? null,
          details: { kind, version: record.version, contentHash, created, sourceFile: item.file.file, actorName: user.name, deployId },
        });
        deployed.push({ ...toSummary(record), created });
      }
      return { created: deployed.some((item) => item.created), definitions: deployed };
    });
  }

  async list(user: Identity, kind: DefinitionKind | undefined, serviceType?: ServiceType): Promise<DefinitionListDto> {
    const latest = await this.repository.latestOfEachKey(kind);
    // By the newest version's service type: a key whose procedure changed service is listed under its new one only.
    const wanted = latest.filter((record) => jurisdictionAllows(user.jurisdiction, record.jurisdiction) && (serviceType === undefined || record.serviceType === serviceType));
    return { definitions: wanted.map(toSummary) };
  }

  async history(user: Identity, key: string): Promise<DefinitionHistoryDto> {
    const versions = await this.visibleVersions(user, key);
    const newest = versions[0];
    if (!newest) throw unknownKey(key);
    return { key, kind: newest.kind as DefinitionKind, versions: versions.map(toSummary) };
  }

  async version(user: Identity, key: string, version: number): Promise<DefinitionVersionDto> {
    const found = await this.visibleVersion(user, key, version);
    return { ...toSummary(found), definition: found.compiled, sourceText: found.sourceText };
  }

  async diff(user: Identity, key: string, from: number, to: number): Promise<DefinitionDiffDto> {
    const before = await this.visibleVersion(user, key, from);
    const after = from === to ? before : await this.visibleVersion(user, key, to);
    const changes = diffDefinitions(before.compiled, after.compiled).map((change) => ({ ...change, kind: change.kind as DefinitionChangeKind }));
    return { key, kind: after.kind as DefinitionKind, from, to, changes };
  }

  /**
   * Compiles the files one after another in the compiler pool. A file whose compile is stopped (too
   * slow, or too much memory) refuses the whole request with a located diagnostic naming it.
   */
  private async compileEach(files: readonly DefinitionFileDto[], refusal: string): Promise<Array<{ index: number; file: DefinitionFileDto; result: CompileResult }>> {
    const results: Array<{ index: number; file: DefinitionFileDto; result: CompileResult }> = [];
    for (const [index, file] of files.entries()) {
      const outcome = await this.compiler.compile(file.text, file.file);
      if (outcome.kind === 'stopped') {
        const why =
          outcome.reason === 'time'
            ? `took longer than ${formatSeconds(this.compiler.timeoutMs)} to compile`
            : 'needed more memory to compile than the API allows';
        const diagnostic: Diagnostic = {
          ruleId: 'PF-LIMIT-COMPILE',
          message: `this file ${why}, so compiling it was stopped; make it smaller or simpler (split it into several definitions), or check it with \`procureflow definitions validate\``,
          file: file.file,
          line: 1,
          column: 1,
          path: '',
          severity: 'error',
        };
        throw new DefinitionInvalidError(`${refusal}: ${file.file} ${why}, so compiling it was stopped.`, [diagnostic], [
          { field: `files[${index}].text`, problem: formatDiagnostic(diagnostic) },
        ]);
      }
      results.push({ index, file, result: outcome.result });
    }
    return results;
  }

  private async visibleVersions(user: Identity, key: string): Promise<DefinitionVersionRecord[]> {
    const versions = await this.repository.versionsOf(key);
    return versions.filter((record) => jurisdictionAllows(user.jurisdiction, record.jurisdiction));
  }

  private async visibleVersion(user: Identity, key: string, version: number): Promise<DefinitionVersionContent> {
    const found = await this.repository.findVersion(key, version);
    if (found && jurisdictionAllows(user.jurisdiction, found.jurisdiction)) return found;
    const versions = await this.visibleVersions(user, key);
    const newest = versions[0];
    if (!newest) throw unknownKey(key);
    throw new NotFoundError(`Definition "${key}" has no version ${version}: its versions are 1 to ${newest.version}.`);
  }
}

function unknownKey(key: string): NotFoundError {
  return new NotFoundError(`No definition with the key "${key}" is deployed (or it belongs to another jurisdiction).`);
}

/** Diagnostics name files; two files of one request with the same name would make them ambiguous. */
function refuseDuplicateFileNames(files: readonly DefinitionFileDto[]): void {
  const first = new Map<string, number>();
  const problems: FieldProblem[] = [];
  files.forEach(({ file }, index) => {
    const earlier = first.get(file);
    if (earlier === undefined) first.set(file, index);
    else problems.push({ field: `files[${index}].file`, problem: `"${file}" is also the name of files[${earlier}]; give each file its own name` });
  });
  if (problems.length > 0) throw new ValidationError(`The request names ${problems.length === 1 ? 'a file' : 'files'} twice.`, problems);
}

/**
 * A file over the size limit is refused before it is compiled at all, naming it: the compiler would
 * only say the same, later (rule PF-LIMIT-SIZE).
 */
function refuseOversizedFiles(files: readonly DefinitionFileDto[]): void {
  const limit = DEFINITION_LIMITS.maxLength;
  const problems: FieldProblem[] = [];
  const names: string[] = [];
  files.forEach(({ file, text }, index) => {
    if (text.length <= limit) return;
    names.push(file);
    problems.push({ field: `files[${index}].text`, problem: `${file} has ${text.length.toLocaleString('en-US')} characters; a definition may have at most ${limit.toLocaleString('en-US')}` });
  });
  if (problems.length > 0) {
    throw new PayloadTooLargeError(
      `${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} larger than a definition may be (${limit.toLocaleString('en-US')} characters): split ${names.length === 1 ? 'it' : 'them'} into several definitions. Nothing was compiled or stored.`,
      problems,
    );
  }
}

/** The compiled files; if any has a problem, throws one error carrying every problem of every file. */
function refuseInvalid(results: ReadonlyArray<{ index: number; file: DefinitionFileDto; result: CompileResult }>): CompiledFile[] {
  const compiled: CompiledFile[] = [];
  const diagnostics: Diagnostic[] = [];
  const details: FieldProblem[] = [];
  const invalidFiles: string[] = [];
  for (const { index, file, result } of results) {
    if (result.ok) {
      compiled.push({ index, file, compiled: result.compiled, jurisdiction: result.compiled.definition.metadata.jurisdiction?.code ?? null });
      continue;
    }
    invalidFiles.push(file.file);
    diagnostics.push(...result.diagnostics);
    details.push(...result.diagnostics.map((diagnostic) => ({ field: `files[${index}].text`, problem: formatDiagnostic(diagnostic) })));
  }
  if (diagnostics.length > 0) {
    throw new DefinitionInvalidError(
      `Nothing was deployed: ${count(diagnostics.length, 'problem')} in ${count(invalidFiles.length, 'file')} (${invalidFiles.join(', ')}).`,
      diagnostics,
      details,
    );
  }
  return compiled;
}

/**
 * Whether a caller of `callerJurisdiction` may deploy a definition that belongs to
 * `subjectJurisdiction`. Stricter than seeing it (jurisdictionAllows): a jurisdiction's administrator
 * deploys only that jurisdiction's definitions. National definitions and those that belong to no
 * jurisdiction (holiday calendars: they shift every jurisdiction's deadlines) apply everywhere, so
 * only a national administrator deploys them; a national administrator deploys anything.
 */
export function deployAllows(callerJurisdiction: string, subjectJurisdiction: string | null): boolean {
  return callerJurisdiction === NATIONAL_JURISDICTION || (subjectJurisdiction !== null && subjectJurisdiction === callerJurisdiction);
}

function refuseOtherJurisdictions(user: Identity, batch: readonly CompiledFile[]): void {
  const refused = batch.filter((item) => !deployAllows(user.jurisdiction, item.jurisdiction));
  const first = refused[0];
  if (!first) return;
  const what =
    refused.length === 1
      ? `${first.file.file} defines "${first.compiled.key}" ${describeOwner(first.jurisdiction)}`
      : `${refused.length} files define definitions of other jurisdictions (${refused.map((item) => item.file.file).join(', ')})`;
  throw new ForbiddenError(
    `${what}, and your jurisdiction is "${user.jurisdiction}": nothing was deployed.`,
    refused.map((item) => ({
      field: `files[${item.index}].text`,
      problem: `"${item.compiled.key}" is ${describeOwner(item.jurisdiction)}; ${remedy(item.jurisdiction)}`,
    })),
  );
}

/** Who a definition belongs to, in words. */
function describeOwner(jurisdiction: string | null): string {
  if (jurisdiction === null) return 'for no jurisdiction (it applies to every jurisdiction)';
  if (jurisdiction === NATIONAL_JURISDICTION) return `for the whole country (jurisdiction "${NATIONAL_JURISDICTION}")`;
  return `for the jurisdiction "${jurisdiction}"`;
}

/** What the caller can do about a definition it may not deploy. */
function remedy(jurisdiction: string | null): string {
  return jurisdiction === null || jurisdiction === NATIONAL_JURISDICTION
    ? `only a national administrator (jurisdiction "${NATIONAL_JURISDICTION}") may deploy it`
    : `only an administrator of "${jurisdiction}" or a national administrator may deploy it`;
}

function formatSeconds(milliseconds: number): string {
  const seconds = milliseconds / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(3).replace(/0+$/, '')} s`;
}

/** Two different contents for one key in one request would leave the version order to chance. */
function refuseConflictingKeys(batch: readonly CompiledFile[]): void {
  const byKey = new Map<string, CompiledFile>();
  const problems: FieldProblem[] = [];
  for (const item of batch) {
    const other = byKey.get(item.compiled.key);
    if (!other) byKey.set(item.compiled.key, item);
    else if (other.compiled.contentHash !== item.compiled.contentHash) {
      problems.push({
        field: `files[${item.index}].text`,
        problem: `defines "${item.compiled.key}" differently from files[${other.index}] (${other.file.file}); deploy one of them`,
      });
    }
  }
  if (problems.length > 0) {
    throw new ValidationError('Nothing was deployed: the request defines a key twice, with different content.', problems);
  }
}

function toSummary(record: DefinitionVersionRecord): DefinitionSummaryDto {
  return {
    key: record.key,
    kind: record.kind as DefinitionKind,
    version: record.version,
    contentHash: record.contentHash,
    title: { zh: record.title.zh, en: record.title.en },
    jurisdiction: record.jurisdiction,
    serviceType: record.serviceType as ServiceType | null,
    sourceFile: record.sourceFile,
    deployedBy: record.deployedBy,
    deployedAt: record.deployedAt.toISOString(),
  };
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
