import { execFile } from 'node:child_process';
import { functionDir } from './crossplane';

// The Go unit tests of the platform's own composition function
// (platform/crossplane/function-applicationenvironment/fn_test.go). -mod=readonly: a go.mod or
// go.sum out of step with the source fails here instead of being rewritten.
jest.setTimeout(600_000); // a cold Go build cache compiles the SDK and Kubernetes types first

describe('function-applicationenvironment', () => {
  it('passes its Go unit tests (go test ./...)', async () => {
    const { code, output } = await new Promise<{
      code: number;
      output: string;
    }>(resolve =>
      execFile(
        'go',
        ['test', './...'],
        {
          cwd: functionDir(),
          env: { ...process.env, GOFLAGS: '-mod=readonly', CGO_ENABLED: '0' },
          maxBuffer: 16 * 1024 * 1024,
        },
        (error, stdout, stderr) =>
          resolve({
            code: error ? Number(error.code ?? 1) : 0,
            output: `${stdout}${stderr}`,
          }),
      ),
    );
    if (code !== 0) {
      throw new Error(`go test ./... failed (exit ${code}):\n${output}`);
    }
    expect(output).toMatch(
      /^ok\s+idp\.acme\.example\/function-applicationenvironment\s/m,
    );
  });
});
