import type { components } from './schema.js';

export type ErrorBody = components['schemas']['ErrorResponseDto'];
export type FieldProblem = components['schemas']['FieldProblemDto'];

/**
 * A request the API refused or could not answer. Carries the API's error body when there is one, so a
 * page can show each field's problem next to the field and quote the correlation id.
 */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody | undefined,
  ) {
    super(body?.message ?? `the server answered ${status}`);
    this.name = 'ApiFailure';
  }

  get correlationId(): string | undefined {
    return this.body?.correlationId;
  }

  /** The problems the API named for one field (e.g. "values.budgetFen"), or for fields under it. */
  problemsOf(field: string): string[] {
    return (this.body?.details ?? []).filter((d) => d.field === field || d.field.startsWith(`${field}.`)).map((d) => d.problem);
  }
}

function isErrorBody(value: unknown): value is ErrorBody {
  return typeof value === 'object' && value !== null && 'message' in value && 'correlationId' in value;
}

/**
 * The data of an openapi-fetch answer, or an ApiFailure. Network failures (the server down) surface as
 * ApiFailure with status 0 so every page shows them the same way.
 */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await call;
  } catch {
    throw new ApiFailure(0, undefined);
  }
  if (result.response.ok && result.data !== undefined) return result.data;
  if (result.response.ok) return undefined as T;
  throw new ApiFailure(result.response.status, isErrorBody(result.error) ? result.error : undefined);
}
