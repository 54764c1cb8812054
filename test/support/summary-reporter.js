/**
 * Ends the run with one plain line, "Tests: N passed, N failed, N skipped", that people and CI scripts
 * can read without knowing Jest's own summary format.
 */
export default class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    // A suite that fails to run has no failed tests of its own, yet it is a failure.
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    process.stdout.write(`\nTests: ${results.numPassedTests} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
