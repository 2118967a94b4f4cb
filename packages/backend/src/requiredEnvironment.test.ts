import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  assertRequiredEnvironment,
  configFilesFromArgv,
  findMissingVariables,
} from './requiredEnvironment';

describe('requiredEnvironment', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'required-env-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function write(name: string, content: string) {
    fs.writeFileSync(path.join(dir, name), content);
    return path.join(dir, name);
  }

  it('reads --config arguments in both forms, defaulting to app-config.yaml', () => {
    expect(
      configFilesFromArgv(
        ['node', 'backend', '--config', 'a.yaml', '--config=/abs/b.yaml'],
        '/repo',
      ),
    ).toEqual(['/repo/a.yaml', '/abs/b.yaml']);
    expect(configFilesFromArgv(['node', 'backend'], '/repo')).toEqual([
      '/repo/app-config.yaml',
    ]);
    expect(
      configFilesFromArgv(
        ['--config', 'https://config.example/app.yaml'],
        '/r',
      ),
    ).toEqual([]);
  });

  it('names each unset variable with the key that uses it', () => {
    const file = write(
      'app-config.production.yaml',
      [
        'backend:',
        '  database:',
        '    connection:',
        '      host: ${POSTGRES_HOST}',
        '      password: ${POSTGRES_PASSWORD}',
        'kubernetes:',
        '  clusters:',
        '    - url: https://${K8S_HOST}:6443',
        '      token:',
        '        $env: K8S_TOKEN',
        '# a comment mentioning ${NOT_A_VARIABLE} is ignored',
        'literal: $${ESCAPED}',
      ].join('\n'),
    );
    expect(
      findMissingVariables([file], { POSTGRES_HOST: 'db', K8S_HOST: '' }),
    ).toEqual([
      {
        name: 'POSTGRES_PASSWORD',
        key: 'backend.database.connection.password',
        file: 'app-config.production.yaml',
      },
      {
        name: 'K8S_HOST',
        key: 'kubernetes.clusters.0.url',
        file: 'app-config.production.yaml',
      },
      {
        name: 'K8S_TOKEN',
        key: 'kubernetes.clusters.0.token',
        file: 'app-config.production.yaml',
      },
    ]);
  });

  it('throws a message naming the variables, and passes when all are set', () => {
    write(
      'app-config.yaml',
      'backend:\n  auth:\n    keys:\n      - secret: ${BACKEND_SECRET}\n',
    );
    expect(() =>
      assertRequiredEnvironment(['node', 'backend'], {}, dir),
    ).toThrow(
      /Missing required environment variable: BACKEND_SECRET\n {2}BACKEND_SECRET \(used by backend\.auth\.keys\.0\.secret in app-config\.yaml\)/,
    );
    expect(() =>
      assertRequiredEnvironment(
        ['node', 'backend'],
        { BACKEND_SECRET: 's' },
        dir,
      ),
    ).not.toThrow();
  });

  it('finds nothing missing in local mode, and lists every production variable', () => {
    const root = path.resolve(__dirname, '../../..');
    expect(
      findMissingVariables([path.join(root, 'app-config.yaml')], {}),
    ).toEqual([]);
    const production = findMissingVariables(
      [path.join(root, 'app-config.production.yaml')],
      {},
    ).map(m => m.name);
    expect([...new Set(production)].sort()).toEqual([
      'AUTH_GITLAB_CLIENT_ID',
      'AUTH_GITLAB_CLIENT_SECRET',
      'BACKEND_SECRET',
      'GITLAB_API_BASE_URL',
      'GITLAB_BASE_URL',
      'GITLAB_HOST',
      'GITLAB_TOKEN',
      'K8S_CLUSTER_CA_DATA',
      'K8S_CLUSTER_NAME',
      'K8S_CLUSTER_TOKEN',
      'K8S_CLUSTER_URL',
      'PORTAL_BASE_URL',
      'POSTGRES_HOST',
      'POSTGRES_PASSWORD',
      'POSTGRES_PORT',
      'POSTGRES_USER',
    ]);
  });
});
