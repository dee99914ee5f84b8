// Prints one closing line `N passed, N failed` after vitest's own summary, so CI can read the result
// without parsing vitest's human-oriented output.
import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = unhandledErrors.length;
    let skipped = 0;
    for (const mod of testModules) {
      // A module that failed to load, or a suite whose beforeAll threw, leaves its tests skipped
      // rather than failed; each such module or suite must still count as a failure.
      const failedTests = [...mod.children.allTests()].filter((t) => t.result().state === 'failed').length;
      const failedSuites = [...mod.children.allSuites()].filter(
        (suite) =>
          suite.state() === 'failed' &&
          ![...suite.children.allTests()].some((t) => t.result().state === 'failed'),
      ).length;
      if (mod.state() === 'failed' && failedTests === 0 && failedSuites === 0) failed += 1;
      failed += failedSuites;
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed += 1;
        else if (state === 'failed') failed += 1;
        else skipped += 1;
      }
    }
    const tail = skipped > 0 ? ` (${skipped} skipped)` : '';
    process.stdout.write(`\n${passed} passed, ${failed} failed${tail}\n`);
  }
}
