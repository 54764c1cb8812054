import { type ArgumentMetadata, Injectable, ValidationPipe } from '@nestjs/common';
import type { ValidationError as ClassValidatorError } from 'class-validator';
import { type FieldProblem, ValidationError } from './domain-errors.js';
import { FIELD_VALUES_CONSTRAINT, fieldValuesProblem } from './request-validators.js';
import { textProblem } from './safe-text.js';

/** Request values nest no deeper than this: the deepest payload (award scores) needs four levels. */
export const MAX_NESTING = 16;
/** A refusal names at most this many problems; a body of ten thousand bad strings gets a short answer. */
const MAX_REPORTED = 20;

/**
 * The one gate every request body, query string and path parameter passes. Before anything else reads
 * the value, it walks all of it — free-form objects such as task `fields`, cycle `inputs` and decision
 * `payload` included, keys as well as values — and refuses with 422, naming each field, text that could
 * not be stored (control characters, unpaired surrogates; see safe-text.ts) and nesting deeper than
 * MAX_NESTING (which would otherwise exhaust the stack of the class transformer). Then the DTO's own
 * rules apply (class-validator: unknown properties refused, types, bounds, patterns).
 */
@Injectable()
export class EdgeValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      // One problem per field: a number sent for a text field is "must be text", not also "too long".
      stopAtFirstError: true,
      // The refused value stays on each error so that a refusal of form values can name the one at fault
      // (flattenValidationErrors); values are never sent back.
      validationError: { target: false, value: true },
      exceptionFactory: (errors) => invalidRequest(flattenValidationErrors(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query' || metadata.type === 'param') {
      const problems = unsafeValues(value, metadata.data ?? '', metadata.type);
      if (problems.length > 0) throw invalidRequest(problems);
    }
    return super.transform(value, metadata);
  }
}

function invalidRequest(details: FieldProblem[]): ValidationError {
  return new ValidationError(
    `The request has ${details.length} invalid field${details.length === 1 ? '' : 's'}: ${[...new Set(details.map((d) => d.field))].join(', ')}.`,
    details,
  );
}

/**
 * Every string (and object key) in `value` that may not be taken in, and every place nested too deep, by
 * the path of the field (`comment`, `fields.supervisedPersons`, `payload.scores.bid-1`, `files.0.text`).
 * Iterative, so that no nesting depth can overflow the stack here; at most MAX_REPORTED problems.
 */
export function unsafeValues(value: unknown, rootPath: string, rootName: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const pending: Array<{ value: unknown; path: string; depth: number }> = [{ value, path: rootPath, depth: 0 }];
  while (pending.length > 0 && problems.length < MAX_REPORTED) {
    const { value: current, path, depth } = pending.pop() as { value: unknown; path: string; depth: number };
    if (typeof current === 'string') {
      // Line breaks are a matter of each field's own rule (TextField); here only what is never text.
      const problem = textProblem(current, true);
      if (problem) problems.push({ field: path || rootName, problem });
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (depth >= MAX_NESTING) {
      problems.push({ field: path || rootName, problem: `is nested more than ${MAX_NESTING} levels deep` });
      continue;
    }
    const entries: Array<[string, unknown]> = Array.isArray(current) ? current.map((item, index) => [String(index), item]) : Object.entries(current);
    const children: Array<{ value: unknown; path: string; depth: number }> = [];
    for (const [key, item] of entries) {
      const keyProblem = Array.isArray(current) ? undefined : textProblem(key, false);
      if (keyProblem) problems.push({ field: path || rootName, problem: `has a property name that ${keyProblem}` });
      else children.push({ value: item, path: path ? `${path}.${key}` : key, depth: depth + 1 });
    }
    // Pushed in reverse so that problems are reported in the order the fields were sent.
    pending.push(...children.reverse());
  }
  return problems.slice(0, MAX_REPORTED);
}

function flattenValidationErrors(errors: ClassValidatorError[], prefix = ''): FieldProblem[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.entries(error.constraints ?? {}).map(([constraint, problem]) => {
      // Form values are one property to class-validator; the person fixing the form needs the field (`fields.serviceArea`).
      const valueAtFault = constraint === FIELD_VALUES_CONSTRAINT ? fieldValuesProblem(error.value) : undefined;
      return valueAtFault?.key === undefined ? { field, problem } : { field: `${field}.${valueAtFault.key}`, problem };
    });
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}
