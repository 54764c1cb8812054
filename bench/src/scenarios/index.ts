import type { Scenario } from '../scenario.js';
import { caseScale } from './case-scale.js';
import { headline } from './headline.js';
import { history } from './history.js';
import { readModelScenario } from './read-model.js';

/**
 * Every scenario `npm run bench` knows, by the name `--only` takes, in the order a full run runs them.
 * A new scenario is one module under bench/src/scenarios/ and one entry here.
 */
export const SCENARIOS: ReadonlyArray<{ readonly name: string; readonly run: Scenario }> = [
  { name: 'headline', run: headline },
  { name: 'history', run: history },
  { name: 'read-model', run: readModelScenario },
  { name: 'case-scale', run: caseScale },
];
