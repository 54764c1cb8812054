import { Writable } from 'node:stream';
import type { ArgumentsHost } from '@nestjs/common';
import { BadRequestException } from '@nestjs/common';
import { pino } from 'pino';
import { ForbiddenError, ValidationError } from '../../../apps/api/src/common/domain-errors.js';
import { ApiExceptionFilter } from '../../../apps/api/src/common/exception.filter.js';

/** Runs the filter on one error as Express would hand it over, and returns the response and the log. */
function respondTo(exception: unknown) {
  const logLines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  const sent: { status?: number; body?: unknown } = {};
  const response = {
    status(code: number) {
      sent.status = code;
      return response;
    },
    json(body: unknown) {
      sent.body = body;
      return response;
    },
  };
  const request = { id: 'req-42', headers: {}, method: 'POST', originalUrl: '/cycles' };
  const host = { switchToHttp: () => ({ getRequest: () => request, getResponse: () => response }) } as unknown as ArgumentsHost;
  new ApiExceptionFilter(pino(sink)).catch(exception, host);
  return { ...sent, logLines };
}

describe('ApiExceptionFilter', () => {
  it('answers a domain error with its status, code, message and field details', () => {
    const { status, body, logLines } = respondTo(
      new ValidationError('The request has 1 invalid field: inputs.persons.', [{ field: 'inputs.persons', problem: 'must be at least 1' }]),
    );
    expect(status).toBe(422);
    expect(body).toEqual({
      status: 422,
      code: 'validation-failed',
      message: 'The request has 1 invalid field: inputs.persons.',
      details: [{ field: 'inputs.persons', problem: 'must be at least 1' }],
      correlationId: 'req-42',
    });
    expect(logLines).toEqual([]);
  });

  it('maps each kind of domain error to its own status', () => {
    expect(respondTo(new ForbiddenError('Only the finance bureau may approve a budget.')).status).toBe(403);
  });

  it('keeps the status of framework errors such as a malformed body', () => {
    const { status, body } = respondTo(new BadRequestException('Unexpected token } in JSON at position 12'));
    expect(status).toBe(400);
    expect(body).toMatchObject({ code: 'bad-request', message: 'Unexpected token } in JSON at position 12', correlationId: 'req-42' });
  });

  it('hides an unexpected error behind a correlation id and logs its cause under that id', () => {
    const { status, body, logLines } = respondTo(new TypeError("Cannot read properties of undefined (reading 'fen')"));
    expect(status).toBe(500);
    expect(body).toEqual({
      status: 500,
      code: 'internal-error',
      message: 'Something went wrong on the server. Quote correlation id req-42 when reporting it.',
      details: [],
      correlationId: 'req-42',
    });
    expect(logLines).toHaveLength(1);
    expect(logLines[0]).toMatchObject({ correlationId: 'req-42', url: '/cycles', err: { message: "Cannot read properties of undefined (reading 'fen')" } });
  });
});
