import type { Diagnostic } from '../../../../src/definitions/diagnostics.js';

/**
 * Errors the services throw when a request breaks a rule. The exception filter maps each to an HTTP
 * status; the message is written for the person who sent the request and names what is wrong.
 */
export abstract class DomainError extends Error {
  abstract readonly status: number;
  /** Stable, machine-readable error code, e.g. `not-found`. */
  abstract readonly code: string;

  constructor(
    message: string,
    /** Field-level problems, keyed by the path of the field in the request. */
    readonly details: readonly FieldProblem[] = [],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export interface FieldProblem {
  readonly field: string;
  readonly problem: string;
}

export class NotFoundError extends DomainError {
  readonly status = 404;
  readonly code = 'not-found';
}

export class UnauthorizedError extends DomainError {
  readonly status = 401;
  readonly code = 'unauthorized';
}

export class ForbiddenError extends DomainError {
  readonly status = 403;
  readonly code = 'forbidden';
}

export class ConflictError extends DomainError {
  readonly status = 409;
  readonly code = 'conflict';
}

/** The request is well-formed but asks for something the current state does not allow. */
export class InvalidTransitionError extends DomainError {
  readonly status = 409;
  readonly code = 'invalid-transition';
}

/** A server the request needs (Temporal, a worker) did not answer in time; retrying later may succeed. */
export class ServiceUnavailableError extends DomainError {
  readonly status = 503;
  readonly code = 'service-unavailable';
}

/** The request, or a part of it that `details` names, is larger than the API accepts. */
export class PayloadTooLargeError extends DomainError {
  readonly status = 413;
  readonly code = 'payload-too-large';
}

/** The request's fields are wrong; `details` names each bad field. */
export class ValidationError extends DomainError {
  readonly status = 422;
  readonly code = 'validation-failed';
}

/**
 * Submitted definition files do not compile. `diagnostics` locates every problem (file, line, column,
 * path, rule); `details` repeats each one as a field problem, for clients that only read the common shape.
 */
export class DefinitionInvalidError extends DomainError {
  readonly status = 422;
  readonly code = 'definition-invalid';

  constructor(
    message: string,
    readonly diagnostics: readonly Diagnostic[],
    details: readonly FieldProblem[],
  ) {
    super(message, details);
  }
}
