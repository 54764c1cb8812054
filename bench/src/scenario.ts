// bench/src/scenario.ts
/** What every scenario gets from the harness: the running system and how to report progress. */
export interface BenchContext {
  readonly quick: boolean;                 // --quick: small counts, whole run under two minutes
  readonly cases: number;                  // --cases N (default 10000; quick: 200)
  readonly apiUrl: string;                 // the API of the running system (loopback)
  readonly temporalAddress: string;
  readonly namespace: string;
  readonly databaseOwnerUrl: string;       // PostgreSQL as the schema owner (for generated data, EXPLAIN)
  readonly stackPid?: number;              // the `npm start` child (API and workers): its RSS is the worker's
  token(identity: { userId: string; roles: string[]; jurisdiction: string; vendorId?: string }): Promise<string>;
  progress(line: string): void;            // one line of progress on stderr
}
export interface ScenarioResult {
  readonly scenario: string;               // file name part: bench/results/<date>-<scenario>.json
  readonly title: string;
  /** Rows of the printed table; the same rows go in the JSON. */
  readonly table: ReadonlyArray<Record<string, string | number>>;
  /** Named numbers (ratios, p50/p95/p99 ms, rates, bytes) for the JSON and docs. */
  readonly metrics: Record<string, number>;
  readonly notes?: readonly string[];
}
export type Scenario = (context: BenchContext) => Promise<ScenarioResult>;
