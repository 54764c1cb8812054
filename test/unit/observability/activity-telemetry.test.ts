import { Writable } from 'node:stream';
import { defaultPayloadConverter } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { pino } from 'pino';
import { activityTelemetry } from '../../../src/observability/activity-telemetry.js';
import { CORRELATION_HEADER } from '../../../src/observability/correlation-header.js';
import { currentCorrelationId } from '../../../src/observability/correlation.js';
import { activityFailures, projectionLag } from '../../../src/observability/metrics.js';

/** A logger whose lines land in `lines`, parsed. */
function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

async function failuresOf(activity: string): Promise<number> {
  const metric = await activityFailures.get();
  return metric.values.find((value) => value.labels['activity'] === activity)?.value ?? 0;
}

describe('the activity telemetry interceptor', () => {
  const info = { activityType: 'exportTreasuryPayments', taskQueue: 'q-test', attempt: 3, workflowExecution: { workflowId: 'cycle-telemetry/contract/v1', runId: 'run-1' } };

  it('counts a failed attempt and logs it with its workflow, activity and attempt', async () => {
    const { logger, lines } = capturingLogger();
    const env = new MockActivityEnvironment(info, { interceptors: [activityTelemetry(logger)] });
    const before = await failuresOf('exportTreasuryPayments');
    await expect(env.run(async () => Promise.reject(new Error('EACCES: permission denied, open treasury-exports/x.partial')))).rejects.toThrow('EACCES');
    expect(await failuresOf('exportTreasuryPayments')).toBe(before + 1);
    const line = lines.find((candidate) => candidate['level'] === 40);
    expect(line).toMatchObject({ workflowId: 'cycle-telemetry/contract/v1', runId: 'run-1', activity: 'exportTreasuryPayments', attempt: 3 });
    expect(JSON.stringify(line)).toContain('EACCES');
  });

  it('counts nothing for a success, and records a projection\u2019s lag from its scheduling', async () => {
    const { logger } = capturingLogger();
    const scheduled = Date.now() - 2_000;
    const env = new MockActivityEnvironment({ ...info, activityType: 'applyCommands', scheduledTimestampMs: scheduled }, { interceptors: [activityTelemetry(logger)] });
    const lagBefore = (await projectionLag.get()).values.find((value) => value.metricName === 'procureflow_projection_lag_seconds_sum' && value.labels['activity'] === 'applyCommands')?.value ?? 0;
    await expect(env.run(async () => 'applied')).resolves.toBe('applied');
    expect(await failuresOf('applyCommands')).toBe(0);
    const lagAfter = (await projectionLag.get()).values.find((value) => value.metricName === 'procureflow_projection_lag_seconds_sum' && value.labels['activity'] === 'applyCommands')?.value ?? 0;
    expect(lagAfter - lagBefore).toBeGreaterThanOrEqual(2);
  });

  it('runs the activity under the correlation id its header carries', async () => {
    const { logger, lines } = capturingLogger();
    const header = { [CORRELATION_HEADER]: defaultPayloadConverter.toPayload('request-42') };
    const interceptor = activityTelemetry(logger);
    const env = new MockActivityEnvironment(info, {
      // The mock environment sends no headers: a first interceptor adds the one the workflow would have.
      interceptors: [() => ({ inbound: { execute: (input, next) => next({ ...input, headers: header }) } }), interceptor],
    });
    await expect(env.run(async () => currentCorrelationId())).resolves.toBe('request-42');
    expect(lines.find((line) => line['msg'] === 'activity completed')?.['correlationId']).toBe('request-42');
  });
});
