/** Ends every Jest run with one plain line, `N passed, N failed`, for .ci/run. */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    // A suite that fails to load counts as a failure too, even though it has no tests of its own.
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    process.stdout.write(`\n${results.numPassedTests} passed, ${failed} failed\n`);
  }
}
module.exports = SummaryReporter;
