import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { CompiledDefinition, DefinitionKind } from '../../../../src/definitions/compiled-definition.js';
import { compileDefinition } from '../../../../src/definitions/compiler.js';
import { diffDefinitions } from '../../../../src/definitions/definition-diff.js';
import { type Diagnostic, formatDiagnostic } from '../../../../src/definitions/diagnostics.js';
import { ADMINISTRATOR_ROLE, type Identity, jurisdictionAllows } from '../../../../src/identity/identity.js';
import { DefinitionInvalidError, type FieldProblem, ForbiddenError, NotFoundError, ValidationError } from '../common/domain-errors.js';
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
 * The definition registry's rules: files are compiled before anything is stored; a deploy is all or
 * nothing; equal content is the same version; a key keeps its kind; callers see and deploy only what
 * their jurisdiction allows (see jurisdictionAllows), and what they may not see looks like it does
 * not exist.
 */
@Injectable()
export class DefinitionsService {
  constructor(private readonly repository: DefinitionsRepository) {}

  /** Compiles every file and reports on each; stores nothing. */
  validate(files: readonly DefinitionFileDto[]): ValidationReportDto {
    refuseDuplicateFileNames(files);
    const reports = files.map((file): FileValidationDto => {
      const result = compileDefinition(file.text, file.file);
      return result.ok
        ? { file: file.file, ok: true, kind: result.compiled.kind, key: result.compiled.key, contentHash: result.compiled.contentHash, diagnostics: [] }
        : { file: file.file, ok: false, diagnostics: [...result.diagnostics] };
    });
    return { valid: reports.every((report) => report.ok), files: reports };
  }

  /**
   * Deploys every file in one transaction, or none of them. Each file either matches an existing
   * version of its key (same content hash: returned with `created: false`) or becomes the key's next
   * version. Writes one audit entry per file.
   */
  async deploy(user: Identity, files: readonly DefinitionFileDto[], comment: string | undefined): Promise<DeployResultDto> {
    refuseDuplicateFileNames(files);
    const batch = compileAll(files);
    refuseConflictingKeys(batch);
    for (const item of batch) {
      if (!jurisdictionAllows(user.jurisdiction, item.jurisdiction)) {
        throw new ForbiddenError(
          `${item.file.file} defines "${item.compiled.key}" for the jurisdiction "${item.jurisdiction}", and your jurisdiction is "${user.jurisdiction}": nothing was deployed.`,
          [{ field: `files[${item.index}].text`, problem: `metadata.jurisdiction.code "${item.jurisdiction}" is not your jurisdiction "${user.jurisdiction}"` }],
        );
      }
    }
    const occurredAt = new Date().toISOString();
    const deployId = randomUUID();

    return this.repository.inTransaction(async (registry) => {
      // Locks taken in one order (sorted keys), so two overlapping deploys cannot deadlock.
      for (const key of [...new Set(batch.map((item) => item.compiled.key))].sort()) await registry.lockKey(key);

      const deployed: DeployedDefinitionDto[] = [];
      for (const item of batch) {
        const { key, kind, contentHash } = item.compiled;
        const latest = await registry.latestVersion(key);
        if (latest && !jurisdictionAllows(user.jurisdiction, latest.jurisdiction)) {
          throw new ForbiddenError(`The key "${key}" (${item.file.file}) is registered to another jurisdiction: nothing was deployed.`, [
            { field: `files[${item.index}].text`, problem: `metadata.key "${key}" belongs to another jurisdiction; choose another key` },
          ]);
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

  async list(user: Identity, kind: DefinitionKind | undefined): Promise<DefinitionListDto> {
    const latest = await this.repository.latestOfEachKey(kind);
    return { definitions: latest.filter((record) => jurisdictionAllows(user.jurisdiction, record.jurisdiction)).map(toSummary) };
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

/** Compiles every file; if any has a problem, throws one error carrying every problem of every file. */
function compileAll(files: readonly DefinitionFileDto[]): CompiledFile[] {
  const compiled: CompiledFile[] = [];
  const diagnostics: Diagnostic[] = [];
  const details: FieldProblem[] = [];
  const invalidFiles: string[] = [];
  files.forEach((file, index) => {
    const result = compileDefinition(file.text, file.file);
    if (result.ok) {
      compiled.push({ index, file, compiled: result.compiled, jurisdiction: result.compiled.definition.metadata.jurisdiction?.code ?? null });
      return;
    }
    invalidFiles.push(file.file);
    diagnostics.push(...result.diagnostics);
    details.push(...result.diagnostics.map((diagnostic) => ({ field: `files[${index}].text`, problem: formatDiagnostic(diagnostic) })));
  });
  if (diagnostics.length > 0) {
    throw new DefinitionInvalidError(
      `Nothing was deployed: ${count(diagnostics.length, 'problem')} in ${count(invalidFiles.length, 'file')} (${invalidFiles.join(', ')}).`,
      diagnostics,
      details,
    );
  }
  return compiled;
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
    sourceFile: record.sourceFile,
    deployedBy: record.deployedBy,
    deployedAt: record.deployedAt.toISOString(),
  };
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
