import { ConfigError, loadConfig, requireExternalServices, requireStandaloneApi } from '../../../src/config/config.js';

const KEY_A = Buffer.alloc(32, 1).toString('base64');
const KEY_B = Buffer.alloc(32, 2).toString('base64');

describe('loadConfig', () => {
  it('gives embedded defaults when nothing is set', () => {
    const config = loadConfig({}, '/srv/procureflow');
    expect(config).toMatchObject({
      databaseUrl: undefined,
      temporal: {
        address: undefined,
        namespace: 'default',
        devServerPort: 7233,
        devServerUiPort: 8233,
        taskQueues: { procurement: 'procureflow-procurement', cases: 'procureflow-cases' },
      },
      http: { host: '127.0.0.1', port: 3000 },
      dataDir: '/srv/procureflow/.data',
      logLevel: 'info',
    });
  });

  it('reads every variable it documents', () => {
    const config = loadConfig(
      {
        DATABASE_URL: 'postgres://pf:secret@db.internal:5433/procureflow',
        TEMPORAL_ADDRESS: 'temporal:7233',
        TEMPORAL_NAMESPACE: 'procurement',
        PORT: '8080',
        HOST: '0.0.0.0',
        PROCUREFLOW_DATA_DIR: 'state',
        LOG_LEVEL: 'DEBUG',
      },
      '/srv/app',
    );
    expect(config.databaseUrl).toBe('postgres://pf:secret@db.internal:5433/procureflow');
    expect(config.temporal.address).toBe('temporal:7233');
    expect(config.temporal.namespace).toBe('procurement');
    expect(config.http).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(config.dataDir).toBe('/srv/app/state');
    expect(config.logLevel).toBe('debug');
  });

  it('prints development tokens for Deqing unless PROCUREFLOW_DEV_JURISDICTION names another jurisdiction', () => {
    expect(loadConfig({}).devJurisdiction).toBe('zj-deqing');
    expect(loadConfig({ PROCUREFLOW_DEV_JURISDICTION: 'nm-baotou' }).devJurisdiction).toBe('nm-baotou');
    expect(() => loadConfig({ PROCUREFLOW_DEV_JURISDICTION: 'Deqing County' })).toThrow(
      'PROCUREFLOW_DEV_JURISDICTION="Deqing County": must be a jurisdiction code: lower-case words joined by hyphens, e.g. zj-deqing',
    );
  });

  it('names every bad variable in one error, not only the first', () => {
    const attempt = () =>
      loadConfig({ DATABASE_URL: 'mysql://db/x', PORT: '70000', TEMPORAL_ADDRESS: 'temporal', LOG_LEVEL: 'loud' });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      const { problems, message } = error as ConfigError;
      expect(problems.map((p) => p.variable)).toEqual(['DATABASE_URL', 'TEMPORAL_ADDRESS', 'PORT', 'LOG_LEVEL']);
      expect(message).toContain('Invalid configuration (4 problems)');
      expect(message).toContain('DATABASE_URL="mysql://db/x": has scheme "mysql"; expected postgres or postgresql');
      expect(message).toContain('PORT="70000": must be a whole number from 1 to 65535');
    }
  });

  it.each([
    ['not a url at all', 'is not a URL'],
    ['postgres://', 'names no host'],
    ['postgres://db.internal:5432', 'names no database'],
  ])('explains why DATABASE_URL=%j is wrong', (value, reason) => {
    expect(() => loadConfig({ DATABASE_URL: value })).toThrow(reason);
  });

  it('reads the migration role’s connection string, on the same server and database as DATABASE_URL', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://procureflow_app:a@db.internal:5432/procureflow',
      DATABASE_MIGRATION_URL: 'postgres://procureflow_owner:o@db.internal/procureflow',
    });
    expect(config.databaseMigrationUrl).toBe('postgres://procureflow_owner:o@db.internal/procureflow');
    expect(loadConfig({ DATABASE_URL: 'postgres://u:p@h:5432/d' }).databaseMigrationUrl).toBeUndefined();
  });

  it('refuses a migration role without DATABASE_URL, or on another database, without showing its password', () => {
    expect(() => loadConfig({ DATABASE_MIGRATION_URL: 'postgres://owner:s3cret@h:5432/d' })).toThrow(
      'DATABASE_MIGRATION_URL="postgres://owner:***@h:5432/d": needs DATABASE_URL as well',
    );
    const elsewhere = () => loadConfig({ DATABASE_URL: 'postgres://app:a@h:5432/d', DATABASE_MIGRATION_URL: 'postgres://owner:s3cret@h:5432/other' });
    expect(elsewhere).toThrow('must name the same server and database as DATABASE_URL (h:5432/d), not h:5432/other');
    expect(elsewhere).not.toThrow(/s3cret/);
  });

  it('reads the token secret and the CLI token', () => {
    const secret = 's'.repeat(32);
    const config = loadConfig({ PROCUREFLOW_JWT_SECRET: secret, PROCUREFLOW_TOKEN: 'Bearer aaa.bbb.ccc' });
    expect(config.jwtSecret).toBe(secret);
    expect(config.token).toBe('aaa.bbb.ccc');
    expect(loadConfig({})).toMatchObject({ jwtSecret: undefined, token: undefined });
  });

  it('refuses a short token secret or a malformed token without showing either', () => {
    const attempt = () => loadConfig({ PROCUREFLOW_JWT_SECRET: 'hunter2', PROCUREFLOW_TOKEN: 'letmein' });
    expect(attempt).toThrow('PROCUREFLOW_JWT_SECRET="[hidden]": is 7 characters long; use at least 32 random characters');
    expect(attempt).toThrow('PROCUREFLOW_TOKEN="[hidden]": is not a JSON Web Token');
    expect(attempt).not.toThrow(/hunter2|letmein/);
  });

  it('reads the payload keys, the active key id and the Web UI origins of the codec', () => {
    const config = loadConfig({
      PROCUREFLOW_PAYLOAD_KEYS: `k-2025:${KEY_A}, k-2026:${KEY_B}`,
      PROCUREFLOW_PAYLOAD_KEY_ID: 'k-2025',
      PROCUREFLOW_CODEC_ORIGINS: 'http://localhost:8080,https://temporal-ui.example.gov.cn/',
    });
    expect(config.payloadKeys).toEqual([
      { id: 'k-2025', key: Buffer.alloc(32, 1) },
      { id: 'k-2026', key: Buffer.alloc(32, 2) },
    ]);
    expect(config.payloadKeyId).toBe('k-2025');
    expect(config.codecOrigins).toEqual(['http://localhost:8080', 'https://temporal-ui.example.gov.cn']);
  });

  it('lets the local dev server’s Web UI call the codec by default, and no other', () => {
    expect(loadConfig({ TEMPORAL_DEV_SERVER_UI_PORT: '9233' }).codecOrigins).toEqual(['http://127.0.0.1:9233', 'http://localhost:9233']);
    expect(loadConfig({ TEMPORAL_ADDRESS: 'temporal:7233' }).codecOrigins).toEqual([]);
    expect(loadConfig({})).toMatchObject({ payloadKeys: undefined, payloadKeyId: undefined });
  });

  it('refuses bad payload keys without showing them, an active key id that names none of them, and a URL that is no origin', () => {
    const attempt = () =>
      loadConfig({ PROCUREFLOW_PAYLOAD_KEYS: `k1:${KEY_A.slice(4)}`, PROCUREFLOW_PAYLOAD_KEY_ID: 'k 2', PROCUREFLOW_CODEC_ORIGINS: 'http://localhost:8080/ui' });
    expect(attempt).toThrow('PROCUREFLOW_PAYLOAD_KEYS="[hidden]": key "k1" is not 32 bytes in base64');
    expect(attempt).toThrow('PROCUREFLOW_PAYLOAD_KEY_ID="k 2": must be a key id');
    expect(attempt).toThrow('PROCUREFLOW_CODEC_ORIGINS="http://localhost:8080/ui": "http://localhost:8080/ui" is not an origin');
    expect(attempt).not.toThrow(KEY_A.slice(4));
    expect(() => loadConfig({ PROCUREFLOW_PAYLOAD_KEYS: `k1:${KEY_A}`, PROCUREFLOW_PAYLOAD_KEY_ID: 'k2' })).toThrow(
      'PROCUREFLOW_PAYLOAD_KEY_ID="k2": is not among the keys of PROCUREFLOW_PAYLOAD_KEYS ("k1")',
    );
  });

  it('refuses colliding ports and task queues', () => {
    expect(() => loadConfig({ TEMPORAL_DEV_SERVER_UI_PORT: '7233' })).toThrow('TEMPORAL_DEV_SERVER_UI_PORT="7233": must differ from TEMPORAL_DEV_SERVER_PORT');
    expect(() => loadConfig({ TEMPORAL_TASK_QUEUE_CASES: 'procureflow-procurement' })).toThrow('must differ from TEMPORAL_TASK_QUEUE_PROCUREMENT');
  });
});

describe('requireExternalServices', () => {
  const keyring = { keys: [{ id: 'k1', key: Buffer.alloc(32, 1) }], activeKeyId: 'k1' };

  it('names both servers and the payload keys a standalone API or worker needs', () => {
    expect(() => requireExternalServices(loadConfig({}))).toThrow(
      /DATABASE_URL[\s\S]*TEMPORAL_ADDRESS[\s\S]*PROCUREFLOW_PAYLOAD_KEYS="": is required when the API or worker runs on its own/,
    );
  });

  it('requires the token secret too of a standalone API, in the same message', () => {
    expect(() => requireStandaloneApi(loadConfig({}))).toThrow(
      /DATABASE_URL[\s\S]*TEMPORAL_ADDRESS[\s\S]*PROCUREFLOW_PAYLOAD_KEYS[\s\S]*PROCUREFLOW_JWT_SECRET="": is required when the API runs on its own/,
    );
    const config = loadConfig({
      DATABASE_URL: 'postgres://u:p@h:5432/d',
      TEMPORAL_ADDRESS: 'h:7233',
      PROCUREFLOW_JWT_SECRET: 'k'.repeat(40),
      PROCUREFLOW_PAYLOAD_KEYS: `k1:${KEY_A}`,
    });
    expect(requireStandaloneApi(config)).toEqual({ databaseUrl: 'postgres://u:p@h:5432/d', temporalAddress: 'h:7233', jwtSecret: 'k'.repeat(40), payloadKeyring: keyring });
  });

  it('passes them through when all are set', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u:p@h:5432/d', TEMPORAL_ADDRESS: 'h:7233', PROCUREFLOW_PAYLOAD_KEYS: `k1:${KEY_A}` });
    expect(requireExternalServices(config)).toEqual({ databaseUrl: 'postgres://u:p@h:5432/d', temporalAddress: 'h:7233', payloadKeyring: keyring });
  });
});
