import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { CONFIG_VARIABLES, loadConfig, requireStandaloneApi } from '../../../src/config/config.js';
import { PROJECT_ROOT } from '../../../src/config/project-root.js';

/**
 * No Docker engine runs where the team works, so docker-compose.yml and the Dockerfile are checked
 * here against what the code actually reads and builds.
 */
interface ComposeService {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: string[] | Record<string, { condition: string }>;
}

const compose = parse(readFileSync(path.join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
};
const dockerfile = readFileSync(path.join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
const services = compose.services;
const applicationServices = ['api', 'worker'] as const;

/** Values as Compose passes them when the shell sets none of the variables: `${VAR:-default}` is `default`. */
function interpolated(environment: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(environment).map(([name, value]) => [name, value.replace(/\$\{[A-Z_][A-Z0-9_]*:-([^}]*)\}/g, '$1')]),
  );
}

describe('docker-compose.yml', () => {
  it('runs PostgreSQL, Temporal with its Web UI, the API and the worker', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'postgres', 'temporal', 'temporal-ui', 'worker']);
  });

  it('only depends on services it defines', () => {
    for (const [name, service] of Object.entries(services)) {
      const dependencies = Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on ?? {});
      for (const dependency of dependencies) expect([name, dependency, Object.keys(services).includes(dependency)]).toEqual([name, dependency, true]);
    }
  });

  it.each(applicationServices)('gives the %s only variables the configuration reads, and valid values', (name) => {
    const environment = interpolated(services[name]?.environment ?? {});
    for (const variable of Object.keys(environment)) expect(Object.keys(CONFIG_VARIABLES)).toContain(variable);
    const config = loadConfig(environment);
    expect(config.databaseUrl).toBeDefined();
    expect(config.temporal.address).toBe('temporal:7233');
  });

  it.each(applicationServices)('points the %s at the PostgreSQL service as the runtime role, and migrates as the owner role', (name) => {
    const environment = interpolated(services[name]?.environment ?? {});
    const postgres = interpolated(services['postgres']?.environment ?? {});
    const runtime = new URL(environment['DATABASE_URL'] ?? '');
    const owner = new URL(environment['DATABASE_MIGRATION_URL'] ?? '');
    for (const url of [runtime, owner]) {
      expect(url.hostname).toBe('postgres');
      expect(url.pathname).toBe(`/${postgres['POSTGRES_DB']}`);
      // Neither is the superuser: the owner could otherwise bypass everything, the runtime role rewrite history.
      expect(url.username).not.toBe(postgres['POSTGRES_USER']);
    }
    expect([runtime.username, runtime.password]).toEqual(['procureflow_app', postgres['PROCUREFLOW_DB_APP_PASSWORD']]);
    expect([owner.username, owner.password]).toEqual(['procureflow_owner', postgres['PROCUREFLOW_DB_OWNER_PASSWORD']]);
  });

  it('creates both roles when PostgreSQL initialises, and gives the database to the owner', () => {
    const mount = (services['postgres'] as { volumes?: string[] }).volumes?.find((volume) => volume.includes('/docker-entrypoint-initdb.d/'));
    const script = readFileSync(path.join(PROJECT_ROOT, (mount ?? '').split(':')[0] ?? ''), 'utf8');
    expect(script).toContain("CREATE ROLE procureflow_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'owner_password'");
    expect(script).toContain("CREATE ROLE procureflow_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'app_password'");
    expect(script).toContain('ALTER DATABASE :"database" OWNER TO procureflow_owner');
    for (const variable of ['PROCUREFLOW_DB_OWNER_PASSWORD', 'PROCUREFLOW_DB_APP_PASSWORD', 'POSTGRES_DB']) {
      expect(script).toContain(`"$${variable}"`);
      expect(services['postgres']?.environment?.[variable]).toBeDefined();
    }
  });

  it.each(applicationServices)('starts the %s from an entry point the build produces', (name) => {
    const command = services[name]?.command ?? [];
    expect(command[0]).toBe('node');
    const compiled = command[1] ?? '';
    const source = compiled.replace(/^dist\//, '').replace(/\.js$/, '.ts');
    expect(existsSync(path.join(PROJECT_ROOT, source))).toBe(true);
    expect(services[name]?.build).toBe('.');
  });

  it('gives the API the token secret it requires on its own, overridable from the shell; the worker needs none', () => {
    const api = services['api']?.environment ?? {};
    expect(api['PROCUREFLOW_JWT_SECRET']).toMatch(/^\$\{PROCUREFLOW_JWT_SECRET:-.+\}$/);
    const config = loadConfig(interpolated(api));
    expect(() => requireStandaloneApi(config)).not.toThrow();
    expect(services['worker']?.environment?.['PROCUREFLOW_JWT_SECRET']).toBeUndefined();
  });

  it('publishes the API on the port it listens on', () => {
    const api = services['api'];
    expect(api?.ports).toContain(`${api?.environment?.['PORT']}:${api?.environment?.['PORT']}`);
    expect(api?.environment?.['HOST']).toBe('0.0.0.0');
  });

  it('persists Temporal in the same PostgreSQL and shows it in the Web UI', () => {
    const temporal = services['temporal']?.environment ?? {};
    expect(temporal['POSTGRES_SEEDS']).toBe('postgres');
    expect(temporal['POSTGRES_USER']).toBe(services['postgres']?.environment?.['POSTGRES_USER']);
    expect(services['temporal-ui']?.environment?.['TEMPORAL_ADDRESS']).toBe('temporal:7233');
  });
});

describe('Dockerfile', () => {
  it('copies every source directory the build compiles', () => {
    const tsconfig = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'tsconfig.build.json'), 'utf8')) as { include: string[] };
    for (const directory of tsconfig.include) expect(dockerfile).toContain(`COPY ${directory} ./${directory}`);
  });

  it('builds with the project scripts and keeps only runtime dependencies', () => {
    expect(dockerfile).toMatch(/RUN npm (ci|install)\b/);
    expect(dockerfile).toContain('npm run build');
    expect(dockerfile).toContain('npm prune --omit=dev');
    expect(dockerfile).toMatch(/^USER node$/m);
  });
});
