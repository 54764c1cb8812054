import type { BenchContext, Scenario, ScenarioResult } from '../scenario.js';
import { caseScale, QUICK_LEAD_MS, startCaseScale } from './case-scale.js';
import { headline } from './headline.js';
import { history } from './history.js';
import { readModelScenario } from './read-model.js';

/**
 * Every scenario `npm run bench` knows, by the name `--only` takes, in the order a full run runs them.
 * A new scenario is one module under bench/src/scenarios/ and one entry here.
 */
export const SCENARIOS: ReadonlyArray<{
  readonly name: string;
  readonly run: Scenario;
  /**
   * Quick runs only, with other scenarios selected: starts the scenario before them and resolves to
   * its measurement, taken after them (a scenario that mostly waits for a clock does so meanwhile).
   */
  readonly startEarly?: (context: BenchContext) => Promise<() => Promise<ScenarioResult>>;
}> = [
  { name: 'headline', run: headline },
  { name: 'history', run: history },
  { name: 'read-model', run: readModelScenario },
  { name: 'case-scale', run: caseScale, startEarly: (context) => startCaseScale(context, QUICK_LEAD_MS) },
];
