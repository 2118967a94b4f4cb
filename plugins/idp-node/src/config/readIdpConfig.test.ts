import { ConfigReader } from '@backstage/config';
import { readIdpConfig } from './readIdpConfig';

const read = (idp: object) => readIdpConfig(new ConfigReader({ idp }));

/** The problems readIdpConfig names, one per line. */
function problemsOf(idp: object): string[] {
  try {
    read(idp);
  } catch (e) {
    const [first, ...lines] = (e as Error).message.split('\n');
    expect(first).toBe('Invalid idp configuration:');
    return lines.map(l => l.trim());
  }
  throw new Error('expected readIdpConfig to throw');
}

describe('readIdpConfig', () => {
  it('gives the defaults of config.d.ts without any idp configuration', () => {
    const idp = readIdpConfig(new ConfigReader({}));
    expect(idp.gitlab).toEqual({
      host: undefined,
      teamsGroup: 'idp',
      projectRemoval: 'delete',
      retry: {
        attempts: undefined,
        minDelayMs: undefined,
        maxDelayMs: undefined,
      },
      deployToken: {
        expiryDays: 90,
        accessLevel: 40,
        variableName: 'DEPLOY_REPO_TOKEN',
      },
    });
    expect(idp.environment).toEqual({
      apiVersion: 'idp.acme.example/v1alpha1',
      kind: 'ApplicationEnvironment',
      scope: 'Cluster',
      claimNamespace: undefined,
      fieldManager: 'backstage-idp',
      clusters: {},
      waitTimeoutSeconds: 600,
      pollIntervalSeconds: 2,
      publicDomains: [],
      gitops: undefined,
    });
    expect(idp.argocd).toEqual({
      repositoryCredentials: 'none',
      namespace: 'argocd',
      clusters: [],
    });
    expect(idp.catalog).toEqual({ waitTimeoutSeconds: 120 });
    expect(idp.undo).toEqual({ recordKey: undefined });
    expect(idp.access.roles.patterns.developer).toEqual([
      'group:default/team-*',
    ]);
    expect(idp.access.developerActions).toBeUndefined();
  });

  it('reads what is configured', () => {
    const idp = read({
      gitlab: {
        host: 'gitlab.acme.example:8443',
        teamsGroup: '/acme/teams/',
        projectRemoval: 'archive',
        retry: { attempts: 3, minDelayMs: 10, maxDelayMs: 100 },
        deployToken: { expiryDays: 30, accessLevel: 30, variableName: 'TOK' },
      },
      environment: {
        kind: 'ApplicationEnvironmentClaim',
        scope: 'Namespaced',
        claimNamespace: 'idp-claims',
        clusters: { development: 'dev', production: 'prod' },
        pollIntervalSeconds: 0.2,
        publicDomains: ['apps.acme.example', 'acme.example'],
        gitops: { host: 'gitlab.acme.example', project: 'idp/platform/envs' },
      },
      argocd: { repositoryCredentials: 'secret', clusters: ['dev'] },
      catalog: { waitTimeoutSeconds: 60 },
      undo: { recordKey: 'k' },
      access: { developerActions: ['debug:log'] },
    });
    expect(idp.gitlab.host).toBe('gitlab.acme.example:8443');
    expect(idp.gitlab.teamsGroup).toBe('acme/teams');
    expect(idp.gitlab.projectRemoval).toBe('archive');
    expect(idp.gitlab.retry).toEqual({
      attempts: 3,
      minDelayMs: 10,
      maxDelayMs: 100,
    });
    expect(idp.gitlab.deployToken).toEqual({
      expiryDays: 30,
      accessLevel: 30,
      variableName: 'TOK',
    });
    expect(idp.environment).toMatchObject({
      kind: 'ApplicationEnvironmentClaim',
      scope: 'Namespaced',
      claimNamespace: 'idp-claims',
      clusters: { development: 'dev', production: 'prod' },
      pollIntervalSeconds: 0.2,
      publicDomains: ['apps.acme.example', 'acme.example'],
      gitops: {
        host: 'gitlab.acme.example',
        project: 'idp/platform/envs',
        branch: 'main',
        path: 'environments',
        mode: 'push',
      },
    });
    expect(idp.argocd).toEqual({
      repositoryCredentials: 'secret',
      namespace: 'argocd',
      clusters: ['dev'],
    });
    expect(idp.catalog.waitTimeoutSeconds).toBe(60);
    expect(idp.undo.recordKey).toBe('k');
    expect(idp.access.developerActions).toEqual(['debug:log']);
  });

  it('reads a Config once', () => {
    const config = new ConfigReader({
      idp: { catalog: { waitTimeoutSeconds: 5 } },
    });
    expect(readIdpConfig(config)).toBe(readIdpConfig(config));
  });

  it('names the exact key and what is wrong with it', () => {
    expect(
      problemsOf({
        environment: { publicDomains: ['apps.acme.example', 'xx'] },
      }),
    ).toEqual([
      "idp.environment.publicDomains[1]: 'xx' is not a DNS name (lowercase labels joined by dots, such as apps.acme.example)",
    ]);
    expect(problemsOf({ argocd: { repositoryCredentials: 'token' } })).toEqual([
      "idp.argocd.repositoryCredentials: 'token' is not one of secret, none",
    ]);
    expect(
      problemsOf({ gitlab: { deployToken: { accessLevel: 45 } } }),
    ).toEqual([
      'idp.gitlab.deployToken.accessLevel: 45 is not one of 10, 20, 30, 40, 50',
    ]);
    expect(problemsOf({ catalog: { waitTimeoutSeconds: 0 } })).toEqual([
      'idp.catalog.waitTimeoutSeconds: 0 must be more than 0',
    ]);
    expect(
      problemsOf({ gitlab: { host: 'https://gitlab.acme.example' } }),
    ).toEqual([
      "idp.gitlab.host: 'https://gitlab.acme.example' is not a host name such as gitlab.example.com (no scheme, no path)",
    ]);
  });

  it('lists every problem at once', () => {
    expect(
      problemsOf({
        gitlab: {
          teamsGroup: 'Acme/teams',
          projectRemoval: 'purge',
          retry: { attempts: 1.5, minDelayMs: 100, maxDelayMs: 10 },
          deployToken: { expiryDays: 0, variableName: 'DEPLOY-TOKEN' },
        },
        environment: {
          apiVersion: 'v1',
          kind: 'applicationEnvironment',
          scope: 'Namespaced',
          clusters: { dev: 'development', staging: '' },
          waitTimeoutSeconds: -1,
          publicDomains: ['*.apps.acme.example', '10.0.0.1'],
          gitops: { project: 'idp/../x', mode: 'pull', path: '../up' },
        },
        argocd: { namespace: 'Argo_CD', clusters: [''] },
        access: { roles: { admin: ['group:default/x'] } },
      }),
    ).toEqual([
      "idp.gitlab.teamsGroup: 'Acme/teams' segment 'Acme' may contain only lowercase letters, digits, '_', '-' and '.', may not start with '-' or '.', end in '.', '.git' or '.atom', or exceed 255 characters",
      'idp.gitlab.retry.maxDelayMs: 10 is less than idp.gitlab.retry.minDelayMs (100)',
      "idp.gitlab.projectRemoval: 'purge' is not one of delete, archive",
      'idp.gitlab.retry.attempts: 1.5 must be a whole number above 0',
      'idp.gitlab.deployToken.expiryDays: 0 must be a whole number above 0',
      "idp.gitlab.deployToken.variableName: 'DEPLOY-TOKEN' is not a CI/CD variable key (letters, digits and _)",
      'idp.environment.clusters.dev: unknown environment; the environments are development, staging, production',
      // Backstage refuses empty strings itself, naming the key.
      "Invalid type in config for key 'idp.environment.clusters.staging' in 'mock-config', got empty-string, wanted string",
      'idp.environment.claimNamespace: must be set when idp.environment.scope is Namespaced',
      "idp.environment.gitops.project: 'idp/../x' has an empty, '.' or '..' segment",
      'idp.environment.gitops.host: must be set when idp.environment.gitops is',
      "idp.environment.gitops.path: '../up' must be a relative directory in the repository (no .., no leading /)",
      "idp.environment.gitops.mode: 'pull' is not one of push, merge-request",
      "idp.environment.apiVersion: 'v1' is not an API group and version such as idp.acme.example/v1alpha1",
      "idp.environment.kind: 'applicationEnvironment' is not a Kubernetes kind (CamelCase)",
      'idp.environment.waitTimeoutSeconds: -1 must be more than 0',
      "idp.environment.publicDomains[0]: '*.apps.acme.example' is not a DNS name (lowercase labels joined by dots, such as apps.acme.example)",
      "idp.environment.publicDomains[1]: '10.0.0.1' is not a DNS name: it ends in a number, not a top-level domain (an IP address?)",
      "idp.argocd.namespace: 'Argo_CD' must be lowercase; may contain only a-z, 0-9 and '-', and must start and end with a letter or digit",
      "Invalid type in config for key 'idp.argocd.clusters[0]' in 'mock-config', got empty-string, wanted string-array",
      'idp.access.roles.admin: unknown role; the roles are platform-engineer, developer, manager, auditor',
    ]);
  });

  it('refuses unknown keys, which would silently do nothing', () => {
    expect(
      problemsOf({ gitlab: { hots: 'gitlab.acme.example' }, enviroment: {} }),
    ).toEqual([
      'idp.enviroment: unknown key; idp has gitlab, environment, argocd, catalog, undo, access',
      'idp.gitlab.hots: unknown key; idp.gitlab has host, teamsGroup, projectRemoval, retry, deployToken',
    ]);
  });

  it("names the key of a value of the wrong type (Backstage's message)", () => {
    const [problem] = problemsOf({ catalog: { waitTimeoutSeconds: 'soon' } });
    expect(problem).toContain("'idp.catalog.waitTimeoutSeconds'");
    expect(problem).toContain('to a number');
  });

  it('never quotes the undo record key, a secret', () => {
    const [problem] = problemsOf({ undo: { recordKey: { secret: 's3cr3t' } } });
    expect(problem).toContain("'idp.undo.recordKey'");
    expect(problem).not.toContain('s3cr3t');
  });
});
