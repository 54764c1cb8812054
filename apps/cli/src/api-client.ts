import type { Command } from 'commander';
import { loadConfig } from '../../../src/config/config.js';
import { type Diagnostic, formatDiagnostic } from '../../../src/definitions/diagnostics.js';
import { CliError } from './output.js';

/** Options every command that talks to the API accepts. */
export interface ApiOptions {
  readonly api?: string;
  readonly token?: string;
}

export interface ApiClient {
  readonly apiUrl: string;
  /** Sends one request; resolves with the status and parsed body of a 2xx answer, throws a CliError otherwise. */
  request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: T }>;
}

/** The error body every API error has (see the README's "Errors have one shape"). */
interface ApiErrorBody {
  status?: number;
  code?: string;
  message?: string;
  details?: Array<{ field: string; problem: string }>;
  diagnostics?: Diagnostic[];
  correlationId?: string;
}

const REQUEST_TIMEOUT_MS = 60_000;

/** Adds the options every command that calls the API takes: --api, --token and --json. */
export function withApiOptions(command: Command): Command {
  return command
    .option('--api <url>', 'base URL of the procureflow API (default: PROCUREFLOW_API_URL, else the configured HOST and PORT)')
    .option('--token <token>', 'access token (default: PROCUREFLOW_TOKEN)')
    .option('--json', 'print JSON for scripts', false);
}

/** Exit code when the API does not know or does not allow the caller (no token, 401, 403). */
export const EXIT_NOT_ALLOWED = 4;

/**
 * A client for the procureflow API at `--api` (else PROCUREFLOW_API_URL, else the configured HOST and
 * PORT) that sends `--token` (else PROCUREFLOW_TOKEN) as a bearer token.
 */
export function createApiClient(options: ApiOptions): ApiClient {
  const config = loadConfig();
  const apiUrl = (options.api ?? config.apiUrl).replace(/\/+$/, '');
  const token = options.token?.trim().replace(/^Bearer\s+/i, '') ?? config.token;
  if (!token) {
    throw new CliError('no access token: pass --token <token> or set PROCUREFLOW_TOKEN (for development, `procureflow dev token` makes one)', EXIT_NOT_ALLOWED);
  }
  return {
    apiUrl,
    async request<T>(method: 'GET' | 'POST', path: string, body?: unknown) {
      let response: Response;
      try {
        response = await fetch(`${apiUrl}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
      } catch (error) {
        throw new CliError(`cannot reach the procureflow API at ${apiUrl}: ${describeFetchError(error)}`);
      }
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        throw new CliError(`the API at ${apiUrl} answered ${method} ${path} with ${response.status} and a body that is not JSON`);
      }
      if (!response.ok) throw apiError(response.status, parsed as ApiErrorBody | undefined);
      return { status: response.status, body: parsed as T };
    },
  };
}

/** Turns an API error body into one line (the API's message names the problem) plus located detail. */
function apiError(status: number, body: ApiErrorBody | undefined): CliError {
  const message = body?.message ?? `the API answered ${status}`;
  const diagnostics = body?.diagnostics ?? [];
  const details = diagnostics.length > 0 ? [] : (body?.details ?? []);
  const report = [...diagnostics.map(formatDiagnostic), ...details.map((d) => `  ${d.field}: ${d.problem}`)].join('\n');
  const hint = status === 401 ? ' (check --token or PROCUREFLOW_TOKEN)' : '';
  return new CliError(`${message.replace(/\.$/, '')}${hint}`, status === 401 || status === 403 ? EXIT_NOT_ALLOWED : 1, report || undefined, {
    status,
    ...(body?.code ? { code: body.code } : {}),
    ...(body?.details?.length ? { details: body.details } : {}),
    ...(diagnostics.length > 0 ? { diagnostics } : {}),
    ...(body?.correlationId ? { correlationId: body.correlationId } : {}),
  });
}

function describeFetchError(error: unknown): string {
  // fetch says only "fetch failed"; the cause says why (ECONNREFUSED, ENOTFOUND, a bad port…).
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return cause.code;
  if (cause?.message) return cause.message;
  return error instanceof Error ? error.message : String(error);
}
