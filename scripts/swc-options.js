// How Redial's TypeScript is compiled by swc: Jest (jest.config.js) and the benchmarks (scripts/run-bench.js).
// Legacy decorators with their metadata, as Nest's dependency injection needs; CommonJS, as tsc emits.
'use strict';
module.exports = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};
