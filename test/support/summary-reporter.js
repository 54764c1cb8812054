/**
 * Ends the run with one plain line, "Tests: N passed, N failed, N skipped", that people and CI scripts
 * can read without knowing Jest's own summary format.
 */
export default class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    process.stdout.write(`\nTests: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped\n`);
  }
}
