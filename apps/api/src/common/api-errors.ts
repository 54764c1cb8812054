import { applyDecorators } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiPayloadTooLargeResponse,
  ApiServiceUnavailableResponse,
  ApiUnauthorizedResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { ErrorResponseDto } from './error-response.dto.js';

/** When an operation answers each error status, in the words its caller needs; every one has the error body. */
export interface ErrorAnswers {
  readonly unauthorized?: string;
  readonly forbidden?: string;
  readonly notFound?: string;
  readonly conflict?: string;
  readonly payloadTooLarge?: string;
  readonly unprocessable?: string;
  readonly unavailable?: string;
}

const RESPONSE_OF: Record<keyof ErrorAnswers, (options: { type: typeof ErrorResponseDto; description: string }) => MethodDecorator & ClassDecorator> = {
  unauthorized: ApiUnauthorizedResponse,
  forbidden: ApiForbiddenResponse,
  notFound: ApiNotFoundResponse,
  conflict: ApiConflictResponse,
  payloadTooLarge: ApiPayloadTooLargeResponse,
  unprocessable: ApiUnprocessableEntityResponse,
  unavailable: ApiServiceUnavailableResponse,
};

/** Documents an operation's error answers (OpenAPI), each with the shared error body. */
export function ApiErrors(answers: ErrorAnswers): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...Object.entries(answers).map(([status, description]) => RESPONSE_OF[status as keyof ErrorAnswers]({ type: ErrorResponseDto, description: description as string })),
  );
}
