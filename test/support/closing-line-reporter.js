// Prints one plain closing line, "tests: N passed, N failed, N skipped", so that a CI
// reader that does not know Jest's own summary format still sees real tests running.
// It is written on process exit because Jest's summary reporter always runs last.
const { writeSync } = require('node:fs');

class ClosingLineReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `\ntests: ${results.numPassedTests} passed, ${failed} failed, ${skipped} skipped\n`;
    process.once('exit', () => writeSync(1, line));
  }
}
module.exports = ClosingLineReporter;
