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

/** What a user exports before `docker compose up` for the variables Compose requires (`${VAR:?message}`). */
const FROM_THE_SHELL: Record<string, string> = { PROCUREFLOW_PAYLOAD_KEYS: `k1:${Buffer.alloc(32, 9).toString('base64')}` };

/**
 * Values as Compose passes them when the shell sets only the required variables: `${VAR:-default}` is
 * `default`, `${VAR:?message}` is the shell's value.
 */
function interpolated(environment: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(environment).map(([name, value]) => [
      name,
      value
        .replace(/\$\{[A-Z_][A-Z0-9_]*:-([^}]*)\}/g, '$1')
        .replace(/\$\{([A-Z_][A-Z0-9_]*):\?[^}]*\}/g, (_match, variable: string) => FROM_THE_SHELL[variable] ?? ''),
    ]),
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

  it.each(applicationServices)('points the %s at the PostgreSQL service with its credentials', (name) => {
    const url = new URL(services[name]?.environment?.['DATABASE_URL'] ?? '');
    const postgres = services['postgres']?.environment ?? {};
    expect(url.hostname).toBe('postgres');
    expect(url.username).toBe(postgres['POSTGRES_USER']);
    expect(url.password).toBe(postgres['POSTGRES_PASSWORD']);
    expect(url.pathname).toBe(`/${postgres['POSTGRES_DB']}`);
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

  it('encrypts payloads with keys the shell must give, the same for the API and the worker, with no default', () => {
    for (const name of applicationServices) {
      expect(services[name]?.environment?.['PROCUREFLOW_PAYLOAD_KEYS']).toMatch(/^\$\{PROCUREFLOW_PAYLOAD_KEYS:\?.+\}$/);
      expect(loadConfig(interpolated(services[name]?.environment ?? {})).payloadKeys).toEqual([{ id: 'k1', key: Buffer.alloc(32, 9) }]);
    }
    expect(services['api']?.environment?.['PROCUREFLOW_PAYLOAD_KEY_ID']).toBe(services['worker']?.environment?.['PROCUREFLOW_PAYLOAD_KEY_ID']);
  });

  it('points the Web UI at the API’s codec endpoint, with credentials, and lets the UI’s origin call it', () => {
    const ui = services['temporal-ui'];
    const api = services['api']?.environment ?? {};
    const endpoint = new URL(ui?.environment?.['TEMPORAL_CODEC_ENDPOINT'] ?? '');
    expect(endpoint.pathname).toBe('/codec');
    expect(services['api']?.ports).toContain(`${endpoint.port}:${api['PORT']}`);
    expect(ui?.environment?.['TEMPORAL_CODEC_INCLUDE_CREDENTIALS']).toBe('true');
    const uiPort = (ui?.ports?.[0] ?? '').split(':')[0];
    expect(loadConfig(interpolated(api)).codecOrigins).toEqual([`http://localhost:${uiPort}`]);
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
