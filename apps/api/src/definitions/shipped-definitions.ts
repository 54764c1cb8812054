import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { compileDefinition } from '../../../../src/definitions/compiler.js';
import { ADMINISTRATOR_ROLE, type Identity, NATIONAL_JURISDICTION } from '../../../../src/identity/identity.js';
import type { DeployedDefinitionDto } from './definitions.dto.js';
import type { DefinitionsRepository } from './definitions.repository.js';
import type { DefinitionsService } from './definitions.service.js';

/** Who deploys the definitions shipped with procureflow: the system itself, at national level. */
export const SYSTEM_DEPLOYER: Identity = { userId: 'procureflow', name: 'procureflow', roles: [ADMINISTRATOR_ROLE], jurisdiction: NATIONAL_JURISDICTION };

export interface ShippedDeployment {
  /** Versions this call created. */
  readonly deployed: readonly DeployedDefinitionDto[];
  /** Files whose content was already deployed. */
  readonly unchanged: readonly string[];
  /** Files that do not compile, with their first problem; nothing of them was deployed. */
  readonly invalid: ReadonlyArray<{ readonly file: string; readonly problem: string }>;
}

/**
 * Deploys the definition files under `dir` (YAML, recursively) whose exact content is not deployed yet,
 * as the system user: a fresh installation can launch a cycle at once, and a start after a shipped file
 * changed deploys its next version. Content already deployed under its key (at any version) is left
 * alone, so a version an administrator deployed since is never overwritten by the shipped one, and a
 * restart writes nothing, not even audit entries. Files that do not compile are reported, not deployed.
 */
export async function deployShippedDefinitions(dir: string, service: DefinitionsService, repository: DefinitionsRepository): Promise<ShippedDeployment> {
  const files = await yamlFilesUnder(dir);
  const pending: Array<{ file: string; text: string }> = [];
  const unchanged: string[] = [];
  const invalid: Array<{ file: string; problem: string }> = [];
  for (const file of files) {
    const name = path.relative(path.dirname(dir), file);
    const text = await readFile(file, 'utf8');
    const compiled = compileDefinition(text, name);
    if (!compiled.ok) {
      invalid.push({ file: name, problem: compiled.diagnostics[0]?.message ?? 'does not compile' });
      continue;
    }
    const versions = await repository.versionsOf(compiled.compiled.key);
    if (versions.some((version) => version.contentHash === compiled.compiled.contentHash)) unchanged.push(name);
    else pending.push({ file: name, text });
  }
  if (pending.length === 0) return { deployed: [], unchanged, invalid };
  const result = await service.deploy(SYSTEM_DEPLOYER, pending, 'shipped with procureflow, deployed at start');
  return { deployed: result.definitions.filter((definition) => definition.created), unchanged, invalid };
}

async function yamlFilesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && /\.ya?ml$/i.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}
