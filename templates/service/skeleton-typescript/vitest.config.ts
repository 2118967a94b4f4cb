import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      // The entry point only wires settings, app and signals together; the tests cover the rest.
      exclude: ['src/server.ts'],
      // text: the summary GitLab reads the coverage percentage from; cobertura: the MR diff view.
      reporter: ['text', 'cobertura'],
      reportsDirectory: 'coverage',
    },
  },
});
