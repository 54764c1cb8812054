import type { Command } from 'commander';
import { loadConfig } from '../../../../src/config/config.js';
import { parseTokenLifetime, signAccessToken } from '../../../../src/identity/access-tokens.js';
import { resolveJwtSecret } from '../../../../src/identity/jwt-secret.js';
import { ensurePrivateDirectory } from '../../../../src/infra/private-directory.js';
import { CliError, createOutput } from '../output.js';

interface TokenOptions {
  user: string;
  name: string;
  role: string[];
  jurisdiction: string;
  vendor?: string;
  expires: string;
  json: boolean;
}

/**
 * `procureflow dev …`: helpers for development and tests. `dev token` signs an access token with the
 * installation's secret (PROCUREFLOW_JWT_SECRET, else <PROCUREFLOW_DATA_DIR>/jwt-secret, the one
 * `npm start` uses), standing in for the identity provider a real deployment puts in front.
 */
export function registerDevCommand(program: Command): void {
  const dev = program.command('dev').description('development helpers (not for production use)');

  dev
    .command('token')
    .description('sign an access token for the local API; prints only the token, for PROCUREFLOW_TOKEN=$(…)')
    .requiredOption('--user <id>', 'user id (the token subject)')
    .requiredOption('--name <name>', 'display name')
    .option('--role <role>', 'a role, e.g. administrator; repeat for several', (role: string, roles: string[]) => [...roles, role], [])
    .requiredOption('--jurisdiction <code>', 'jurisdiction code, e.g. zj-deqing (cn: national)')
    .option('--vendor <id>', 'for staff of an undertaking organisation: its registry id (implies --role vendor)')
    .option('--expires <lifetime>', 'lifetime: a number and s, m or h, at most 12h', '8h')
    .option('--json', 'print JSON for scripts', false)
    .action(async (options: TokenOptions) => {
      let lifetime: number;
      try {
        lifetime = parseTokenLifetime(options.expires);
      } catch (error) {
        throw new CliError(`--expires ${(error as Error).message}`);
      }
      const config = loadConfig();
      // The secret may be generated into the data directory now: create that directory owner-only first.
      if (!config.jwtSecret) await ensurePrivateDirectory(config.dataDir);
      const { secret, source } = await resolveJwtSecret(config);
      const roles = options.vendor && options.role.length === 0 ? ['vendor'] : options.role;
      if (roles.length === 0) throw new CliError('name at least one --role (or --vendor <id> for a vendor organisation\'s staff)');
      const identity = {
        userId: options.user,
        name: options.name,
        roles,
        jurisdiction: options.jurisdiction,
        ...(options.vendor ? { vendorId: options.vendor } : {}),
      };
      let signed: { token: string; expiresAt: Date };
      try {
        signed = await signAccessToken(identity, secret, { expiresInSeconds: lifetime });
      } catch (error) {
        throw new CliError((error as Error).message);
      }
      createOutput(options.json).result(
        { token: signed.token, expiresAt: signed.expiresAt.toISOString(), identity, secretSource: source },
        (result) => result.token,
      );
    });
}
