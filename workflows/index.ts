/**
 * The workflow bundle's entry point: every workflow type the worker serves is exported from here.
 * Code under workflows/ runs inside Temporal's deterministic sandbox; lint forbids I/O, Node built-ins,
 * the clock and randomness here.
 */
export { caseWorkflow } from './cases/case.workflow.js';
export { contractWorkflow } from './procurement/contract.workflow.js';
export { procurementCycleWorkflow } from './procurement/procurement-cycle.workflow.js';
