import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/**
 * The process's own Prometheus metrics: what the API and the workers observe as it happens (decisions,
 * activity failures, projection lag) and the process's runtime. The API's `/metrics` serves these with
 * the read model's gauges; a worker running in its own process serves them on its metrics port.
 * One registry per process: the stack runs the API and the workers in one process, so one scrape sees both.
 */
export const processMetrics = new Registry();

collectDefaultMetrics({ register: processMetrics, prefix: 'procureflow_' });

/** Seconds, for latencies seen by people: from a tenth of a second to a minute. */
const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60];

export const decisionLatency = new Histogram({
  name: 'procureflow_decision_latency_seconds',
  help: 'A decision on a task, from the API receiving it to the workflow answering with the read model updated (POST /tasks/{id}/decision).',
  labelNames: ['kind', 'result'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [processMetrics],
});

export const activityFailures = new Counter({
  name: 'procureflow_activity_failures_total',
  help: 'Activity attempts that failed (each retry counts), by activity and task queue.',
  labelNames: ['activity', 'task_queue'] as const,
  registers: [processMetrics],
});

export const projectionLag = new Histogram({
  name: 'procureflow_projection_lag_seconds',
  help: 'From a workflow scheduling a projection to the read model having it, retries included.',
  labelNames: ['activity'] as const,
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 120, 600, 3600],
  registers: [processMetrics],
});
