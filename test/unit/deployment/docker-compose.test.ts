import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { CONFIG_VARIABLES, loadConfig, requireStandaloneApi } from '../../../src/config/config.js';
import { PROJECT_ROOT } from '../../../src/config/project-root.js';
import { DEV_SERVER_SETTINGS } from '../../../src/infra/temporal/local-temporal.js';

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
  volumes?: string[];
  depends_on?: string[] | Record<string, { condition: string }>;
}

const compose = parse(readFileSync(path.join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
};
const dockerfile = readFileSync(path.join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
const services = compose.services;
const applicationServices = ['api', 'worker'] as const;

/**
 * Compose's interpolation of one value, given the shell's variables: `${VAR}`, `${VAR:-default}` (default
 * when unset or empty) and `${VAR:?message}` (refuse to start when unset or empty, saying `message`).
 */
function interpolate(value: string, shell: Record<string, string> = {}): string {
  return value.replace(/\$\{([A-Z_][A-Z0-9_]*)(?:(:-|:\?)([^}]*))?\}/g, (_match, name: string, operator?: string, argument?: string) => {
    const set = shell[name];
    if (set) return set;
    if (operator === ':?') throw new Error(`required variable ${name} is missing a value: ${argument ?? ''}`);
    return operator === ':-' ? (argument ?? '') : '';
  });
}

function interpolated(environment: Record<string, string>, shell: Record<string, string> = {}): Record<string, string> {
  return Object.fromEntries(Object.entries(environment).map(([name, value]) => [name, interpolate(value, shell)]));
}

/**
 * What a user exports before `docker compose up` for the variables Compose requires: a token secret as the
 * README tells people to make one (`openssl rand -base64 48`) and a payload key.
 */
const SHELL_WITH_SECRET = {
  PROCUREFLOW_JWT_SECRET: 'k3VJ0rXw9yq4bT7nH2mL5sD8fG1aZ6cE0pR3uW7xY9vB4nM2',
  PROCUREFLOW_PAYLOAD_KEYS: `k1:${Buffer.alloc(32, 9).toString('base64')}`,
};

/** A published port as Compose reads the short syntax `[HOST_IP:]HOST_PORT:CONTAINER_PORT`; no host IP means every interface. */
function publishedPorts(service: ComposeService, shell: Record<string, string>): Array<{ hostIp: string | undefined; containerPort: string }> {
  return (service.ports ?? []).map((entry) => {
    const parts = interpolate(entry, shell).split(':');
    return { hostIp: parts.length === 3 ? parts[0] : undefined, containerPort: parts[parts.length - 1] ?? '' };
  });
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
    const environment = interpolated(services[name]?.environment ?? {}, SHELL_WITH_SECRET);
    for (const variable of Object.keys(environment)) expect(Object.keys(CONFIG_VARIABLES)).toContain(variable);
    const config = loadConfig(environment);
    expect(config.databaseUrl).toBeDefined();
    expect(config.temporal.address).toBe('temporal:7233');
  });

  it.each(applicationServices)('points the %s at the PostgreSQL service as the runtime role, and migrates as the owner role', (name) => {
    const environment = interpolated(services[name]?.environment ?? {}, SHELL_WITH_SECRET);
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

  it('refuses to start without a token secret from the shell: there is no default, and the refusal says what to set', () => {
    const api = services['api']?.environment ?? {};
    expect(api['PROCUREFLOW_JWT_SECRET']).toMatch(/^\$\{PROCUREFLOW_JWT_SECRET:\?.*PROCUREFLOW_JWT_SECRET.*\}$/);
    expect(() => interpolated(api)).toThrow(/PROCUREFLOW_JWT_SECRET is missing a value: set PROCUREFLOW_JWT_SECRET/);
    expect(() => interpolated(api, { PROCUREFLOW_JWT_SECRET: '' })).toThrow(/PROCUREFLOW_JWT_SECRET/);
    const config = loadConfig(interpolated(api, SHELL_WITH_SECRET));
    expect(config.jwtSecret).toBe(SHELL_WITH_SECRET.PROCUREFLOW_JWT_SECRET);
    expect(() => requireStandaloneApi(config)).not.toThrow();
    expect(services['worker']?.environment?.['PROCUREFLOW_JWT_SECRET']).toBeUndefined();
  });

  it('gives no token or secret variable of any service a value or default in the file', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [variable, value] of Object.entries(service.environment ?? {})) {
        if (/SECRET|TOKEN|_KEYS?$/.test(variable)) expect([name, variable, value]).toEqual([name, variable, expect.stringMatching(/^\$\{[A-Z_]+:\?[^}]*\}$/)]);
      }
    }
  });

  it("publishes Temporal's frontend and Web UI on the machine's loopback only, unless TEMPORAL_PUBLISH_ADDRESS asks for more", () => {
    for (const name of ['temporal', 'temporal-ui']) {
      const service = services[name] ?? {};
      expect(publishedPorts(service, {}).length).toBeGreaterThan(0);
      for (const port of publishedPorts(service, {})) expect([name, port.hostIp]).toEqual([name, '127.0.0.1']);
      for (const port of publishedPorts(service, { TEMPORAL_PUBLISH_ADDRESS: '0.0.0.0' })) expect([name, port.hostIp]).toEqual([name, '0.0.0.0']);
    }
    expect(publishedPorts(services['temporal'] ?? {}, {}).map((port) => port.containerPort)).toEqual(['7233']);
    expect(publishedPorts(services['temporal-ui'] ?? {}, {}).map((port) => port.containerPort)).toEqual(['8080']);
  });

  it('publishes nothing beyond loopback but the API, which authenticates every request; PostgreSQL not at all', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const port of publishedPorts(service, SHELL_WITH_SECRET)) {
        if (port.hostIp !== '127.0.0.1') expect([name, port.containerPort]).toEqual(['api', services['api']?.environment?.['PORT']]);
      }
    }
    expect(services['postgres']?.ports).toBeUndefined();
  });

  it("keeps the worker's data directory (treasury payment files) in a volume, where the image makes it the node user's alone", () => {
    const worker = services['worker'] ?? {};
    const dataDir = loadConfig(interpolated(worker.environment ?? {}, SHELL_WITH_SECRET)).dataDir;
    expect(worker.volumes).toContainEqual(expect.stringMatching(new RegExp(`^[a-z-]+:${dataDir}$`)));
    const volume = (worker.volumes ?? [])[0]?.split(':')[0] ?? '';
    expect(Object.keys(compose.volumes ?? {})).toContain(volume);
    expect(dockerfile).toMatch(new RegExp(`^RUN install -d -m 0700 -o node -g node ${dataDir}$`, 'm'));
  });

  it('encrypts payloads with keys the shell must give, the same for the API and the worker, with no default', () => {
    for (const name of applicationServices) {
      expect(services[name]?.environment?.['PROCUREFLOW_PAYLOAD_KEYS']).toMatch(/^\$\{PROCUREFLOW_PAYLOAD_KEYS:\?.+\}$/);
      expect(loadConfig(interpolated(services[name]?.environment ?? {}, SHELL_WITH_SECRET)).payloadKeys).toEqual([{ id: 'k1', key: Buffer.alloc(32, 9) }]);
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
    const published = interpolate(ui?.ports?.[0] ?? '').split(':');
    const uiPort = published.length === 3 ? published[1] : published[0];
    expect(loadConfig(interpolated(api, SHELL_WITH_SECRET)).codecOrigins).toEqual([`http://localhost:${uiPort}`]);
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

  it("gives Temporal the server settings of npm start's dev server, from a file it mounts", () => {
    const temporal = services['temporal'] ?? {};
    const configPath = temporal.environment?.['DYNAMIC_CONFIG_FILE_PATH'];
    const mount = (temporal.volumes ?? []).map((volume) => volume.split(':')).find(([, target]) => target === configPath);
    expect(mount).toBeDefined();
    const [source] = mount as string[];
    const settings = parse(readFileSync(path.join(PROJECT_ROOT, source as string), 'utf8')) as Record<string, Array<{ value: unknown }>>;
    expect(Object.fromEntries(Object.entries(settings).map(([key, values]) => [key, values[0]?.value]))).toEqual(DEV_SERVER_SETTINGS);
  });
});

describe('Dockerfile', () => {
  it('copies every source directory the build compiles', () => {
    const tsconfig = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'tsconfig.build.json'), 'utf8')) as { include: string[] };
    for (const directory of tsconfig.include) expect(dockerfile).toContain(`COPY ${directory} ./${directory}`);
  });

  it('builds with the project scripts and keeps only runtime dependencies', () => {
    // Exactly the locked versions: `npm ci` refuses a lock file that disagrees with package.json.
    expect(dockerfile).toMatch(/^RUN npm ci\b/m);
    expect(dockerfile).toContain('npm run build');
    expect(dockerfile).toContain('npm prune --omit=dev');
    expect(dockerfile).toMatch(/^USER node$/m);
  });
});
