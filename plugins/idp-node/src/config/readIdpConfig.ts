import { Config } from '@backstage/config';
import {
  DEFAULT_TEAMS_GROUP,
  ENVIRONMENTS,
  EnvironmentName,
  KUBERNETES_NAME_MAX_LENGTH,
  dnsLabelErrors,
  dnsNameErrors,
  groupPathErrors,
} from '@internal/plugin-idp-common';
import { RoleMapping } from '../access/RoleMapping';

/** `idp.environment.gitops`: commit ApplicationEnvironments instead of applying them. */
export interface IdpGitOpsConfig {
  /** integrations.gitlab host. */
  host: string;
  /** Full path of the repository Argo CD syncs the XRs from. */
  project: string;
  branch: string;
  /** Directory in the repository, without a trailing slash. */
  path: string;
  mode: 'push' | 'merge-request';
}

/** `idp.environment`, with its defaults. */
export interface IdpEnvironmentConfig {
  apiVersion: string;
  kind: string;
  /** `Cluster` for the Crossplane v2 XR, `Namespaced` for a legacy v1 claim. */
  scope: 'Cluster' | 'Namespaced';
  /** Namespace of legacy claims; always set when `scope` is `Namespaced`. */
  claimNamespace?: string;
  fieldManager: string;
  /** Environment → cluster name in the `kubernetes` configuration. */
  clusters: Partial<Record<EnvironmentName, string>>;
  waitTimeoutSeconds: number;
  pollIntervalSeconds: number;
  /** Domains public hostnames must be under; empty: any DNS name. */
  publicDomains: string[];
  gitops?: IdpGitOpsConfig;
}

/**
 * The portal's `idp.*` configuration (the schema is in the plugins' `config.d.ts`), validated and
 * with its defaults applied.
 *
 * @public
 */
export interface IdpConfig {
  gitlab: {
    /** Host of the integrations.gitlab entry the portal uses when nothing names one. */
    host?: string;
    /** Without leading or trailing slashes. */
    teamsGroup: string;
    projectRemoval: 'delete' | 'archive';
    /** Unset values keep the GitLab client's defaults. */
    retry: { attempts?: number; minDelayMs?: number; maxDelayMs?: number };
    deployToken: {
      expiryDays: number;
      accessLevel: number;
      variableName: string;
    };
  };
  environment: IdpEnvironmentConfig;
  argocd: {
    repositoryCredentials: 'secret' | 'none';
    namespace: string;
    clusters: string[];
  };
  catalog: { waitTimeoutSeconds: number };
  undo: { recordKey?: string };
  access: {
    /** `idp.access.roles`, each role's default groups where it has no entry. */
    roles: RoleMapping;
    /** `idp.access.developerActions`; undefined keeps the policy's default list. */
    developerActions?: string[];
  };
}

/** The keys each section may have: anything else is a typo that would silently do nothing. */
const KNOWN_KEYS: Record<string, string[]> = {
  idp: ['gitlab', 'environment', 'argocd', 'catalog', 'undo', 'access'],
  'idp.gitlab': [
    'host',
    'teamsGroup',
    'projectRemoval',
    'retry',
    'deployToken',
  ],
  'idp.gitlab.retry': ['attempts', 'minDelayMs', 'maxDelayMs'],
  'idp.gitlab.deployToken': ['expiryDays', 'accessLevel', 'variableName'],
  'idp.environment': [
    'apiVersion',
    'kind',
    'scope',
    'claimNamespace',
    'fieldManager',
    'clusters',
    'waitTimeoutSeconds',
    'pollIntervalSeconds',
    'publicDomains',
    'gitops',
  ],
  'idp.environment.gitops': ['host', 'project', 'branch', 'path', 'mode'],
  'idp.argocd': ['repositoryCredentials', 'namespace', 'clusters'],
  'idp.catalog': ['waitTimeoutSeconds'],
  'idp.undo': ['recordKey'],
  'idp.access': ['roles', 'developerActions'],
};

/** GitLab's access levels a project access token may have (Guest to Owner). */
const ACCESS_LEVELS = [10, 20, 30, 40, 50];
const HOST = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]{1,5})?$/i;
const VARIABLE_KEY = /^[A-Za-z0-9_]{1,255}$/;
const API_VERSION = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/v[0-9]+[a-z0-9]*$/;
const KIND = /^[A-Z][A-Za-z0-9]*$/;

type Check<T> = (value: T) => string[];

const oneOf =
  <T extends string | number>(values: readonly T[]): Check<T> =>
  value =>
    values.includes(value) ? [] : [`is not one of ${values.join(', ')}`];
const positive: Check<number> = v => (v > 0 ? [] : ['must be more than 0']);
const nonNegative: Check<number> = v =>
  v >= 0 ? [] : ['must not be negative'];
const positiveInteger: Check<number> = v =>
  Number.isInteger(v) && v > 0 ? [] : ['must be a whole number above 0'];
const nonEmpty: Check<string> = v =>
  v.trim() === '' ? ['must not be empty'] : [];
const host: Check<string> = v =>
  HOST.test(v)
    ? []
    : ['is not a host name such as gitlab.example.com (no scheme, no path)'];

/** Collects every problem, so one start-up shows them all. */
class Reader {
  readonly problems: string[] = [];

  constructor(private readonly config: Config) {}

  /** Runs `read`, recording Backstage's type errors (which name the key) as problems. */
  private attempt<T>(read: () => T): T | undefined {
    try {
      return read();
    } catch (e) {
      this.problems.push((e as Error).message);
      return undefined;
    }
  }

  private check<T>(key: string, value: T, checks: Check<T>[]): boolean {
    const errors = checks.flatMap(c => c(value));
    if (errors.length > 0) {
      this.problems.push(
        `${key}: ${
          typeof value === 'string' ? `'${value}'` : String(value)
        } ${errors.join('; ')}`,
      );
    }
    return errors.length === 0;
  }

  string<T extends string = string>(
    key: string,
    ...checks: Check<T>[]
  ): T | undefined {
    const value = this.attempt(() => this.config.getOptionalString(key));
    if (value === undefined) return undefined;
    return this.check(key, value as T, [nonEmpty as Check<T>, ...checks])
      ? (value as T)
      : undefined;
  }

  /** A string without checks (for secrets, whose values must not appear in errors). */
  attemptString(key: string): string | undefined {
    return this.attempt(() => this.config.getOptionalString(key));
  }

  number(key: string, ...checks: Check<number>[]): number | undefined {
    const value = this.attempt(() => this.config.getOptionalNumber(key));
    if (value === undefined) return undefined;
    return this.check(key, value, checks) ? value : undefined;
  }

  stringArray(key: string, ...checks: Check<string>[]): string[] | undefined {
    const values = this.attempt(() => this.config.getOptionalStringArray(key));
    if (values === undefined) return undefined;
    const ok = values.map((v, i) =>
      this.check(`${key}[${i}]`, v, [nonEmpty, ...checks]),
    );
    return ok.every(Boolean) ? values : undefined;
  }

  /** The keys of a section, when it is one. */
  keys(key: string): string[] {
    return this.attempt(() => this.config.getOptionalConfig(key))?.keys() ?? [];
  }

  has(key: string): boolean {
    return this.config.has(key);
  }

  unknownKeys(section: string, known: string[]) {
    for (const key of this.keys(section)) {
      if (!known.includes(key)) {
        this.problems.push(
          `${section}.${key}: unknown key; ${section} has ${known.join(', ')}`,
        );
      }
    }
  }

  problem(message: string) {
    this.problems.push(message);
  }
}

const cache = new WeakMap<Config, IdpConfig>();

/**
 * Reads and validates the whole `idp.*` configuration, once per Config: every backend module
 * calls it at start-up, so a wrong value stops the backend there, with every problem named by
 * its key (`idp.environment.publicDomains[1]: 'xx' is not a DNS name`), instead of failing a
 * golden path half-way or quietly applying a default. The keys and their meaning are those of
 * the plugins' `config.d.ts`.
 *
 * @public
 */
export function readIdpConfig(config: Config): IdpConfig {
  const cached = cache.get(config);
  if (cached) return cached;

  const r = new Reader(config);
  for (const [section, known] of Object.entries(KNOWN_KEYS)) {
    r.unknownKeys(section, known);
  }

  const teamsGroup = (
    r.string('idp.gitlab.teamsGroup') ?? DEFAULT_TEAMS_GROUP
  ).replace(/^\/+|\/+$/g, '');
  if (r.has('idp.gitlab.teamsGroup')) {
    const errors = groupPathErrors(teamsGroup);
    if (errors.length > 0) {
      r.problem(`idp.gitlab.teamsGroup: '${teamsGroup}' ${errors.join('; ')}`);
    }
  }
  const minDelayMs = r.number('idp.gitlab.retry.minDelayMs', nonNegative);
  const maxDelayMs = r.number('idp.gitlab.retry.maxDelayMs', nonNegative);
  if (
    minDelayMs !== undefined &&
    maxDelayMs !== undefined &&
    maxDelayMs < minDelayMs
  ) {
    r.problem(
      `idp.gitlab.retry.maxDelayMs: ${maxDelayMs} is less than idp.gitlab.retry.minDelayMs (${minDelayMs})`,
    );
  }
  const gitlab: IdpConfig['gitlab'] = {
    host: r.string('idp.gitlab.host', host),
    teamsGroup,
    projectRemoval:
      r.string('idp.gitlab.projectRemoval', oneOf(['delete', 'archive'])) ??
      'delete',
    retry: {
      attempts: r.number('idp.gitlab.retry.attempts', positiveInteger),
      minDelayMs,
      maxDelayMs,
    },
    deployToken: {
      expiryDays:
        r.number('idp.gitlab.deployToken.expiryDays', positiveInteger) ?? 90,
      accessLevel:
        r.number('idp.gitlab.deployToken.accessLevel', oneOf(ACCESS_LEVELS)) ??
        40,
      variableName:
        r.string('idp.gitlab.deployToken.variableName', v =>
          VARIABLE_KEY.test(v)
            ? []
            : ['is not a CI/CD variable key (letters, digits and _)'],
        ) ?? 'DEPLOY_REPO_TOKEN',
    },
  };

  const clusters: IdpEnvironmentConfig['clusters'] = {};
  for (const key of r.keys('idp.environment.clusters')) {
    if (!(ENVIRONMENTS as readonly string[]).includes(key)) {
      r.problem(
        `idp.environment.clusters.${key}: unknown environment; the environments are ${ENVIRONMENTS.join(
          ', ',
        )}`,
      );
      continue;
    }
    const cluster = r.string(`idp.environment.clusters.${key}`);
    if (cluster !== undefined) clusters[key as EnvironmentName] = cluster;
  }
  const scope =
    r.string<'Cluster' | 'Namespaced'>(
      'idp.environment.scope',
      oneOf(['Cluster', 'Namespaced']),
    ) ?? 'Cluster';
  const claimNamespace = r.string('idp.environment.claimNamespace', v =>
    dnsLabelErrors(v),
  );
  if (
    scope === 'Namespaced' &&
    claimNamespace === undefined &&
    !r.has('idp.environment.claimNamespace')
  ) {
    r.problem(
      'idp.environment.claimNamespace: must be set when idp.environment.scope is Namespaced',
    );
  }
  let gitops: IdpGitOpsConfig | undefined;
  if (r.has('idp.environment.gitops')) {
    const gitopsHost = r.string('idp.environment.gitops.host', host);
    const project = r.string('idp.environment.gitops.project', v =>
      groupPathErrors(v),
    );
    for (const key of ['host', 'project']) {
      if (!r.has(`idp.environment.gitops.${key}`)) {
        r.problem(
          `idp.environment.gitops.${key}: must be set when idp.environment.gitops is`,
        );
      }
    }
    const branch =
      r.string('idp.environment.gitops.branch', v =>
        /^[^\s~^:?*[\\]+$/.test(v) && !v.includes('..')
          ? []
          : ['is not a branch name'],
      ) ?? 'main';
    const path = (
      r.string('idp.environment.gitops.path', v =>
        /(^|\/)\.\.(\/|$)/.test(v) || v.startsWith('/')
          ? [
              'must be a relative directory in the repository (no .., no leading /)',
            ]
          : [],
      ) ?? 'environments'
    ).replace(/\/+$/, '');
    const mode =
      r.string<'push' | 'merge-request'>(
        'idp.environment.gitops.mode',
        oneOf(['push', 'merge-request']),
      ) ?? 'push';
    if (gitopsHost && project) {
      gitops = { host: gitopsHost, project, branch, path, mode };
    }
  }
  const environment: IdpEnvironmentConfig = {
    apiVersion:
      r.string('idp.environment.apiVersion', v =>
        API_VERSION.test(v)
          ? []
          : [
              'is not an API group and version such as idp.acme.example/v1alpha1',
            ],
      ) ?? 'idp.acme.example/v1alpha1',
    kind:
      r.string('idp.environment.kind', v =>
        KIND.test(v) ? [] : ['is not a Kubernetes kind (CamelCase)'],
      ) ?? 'ApplicationEnvironment',
    scope,
    claimNamespace,
    fieldManager:
      r.string('idp.environment.fieldManager', v =>
        v.length <= 128 ? [] : ['must be at most 128 characters'],
      ) ?? 'backstage-idp',
    clusters,
    waitTimeoutSeconds:
      r.number('idp.environment.waitTimeoutSeconds', positive) ?? 600,
    pollIntervalSeconds:
      r.number('idp.environment.pollIntervalSeconds', positive) ?? 2,
    publicDomains:
      r.stringArray('idp.environment.publicDomains', v => dnsNameErrors(v)) ??
      [],
    gitops,
  };

  const argocd: IdpConfig['argocd'] = {
    repositoryCredentials:
      r.string<'secret' | 'none'>(
        'idp.argocd.repositoryCredentials',
        oneOf(['secret', 'none']),
      ) ?? 'none',
    namespace:
      r.string('idp.argocd.namespace', v =>
        dnsLabelErrors(v, KUBERNETES_NAME_MAX_LENGTH),
      ) ?? 'argocd',
    clusters: r.stringArray('idp.argocd.clusters') ?? [],
  };

  const catalog = {
    waitTimeoutSeconds:
      r.number('idp.catalog.waitTimeoutSeconds', positive) ?? 120,
  };
  // A secret: checked for its type only, and never quoted in an error. An empty key means
  // none, as before (RecordSigner then signs with a key of this process).
  const undo = {
    recordKey: r.attemptString('idp.undo.recordKey') || undefined,
  };

  let roles: RoleMapping | undefined;
  try {
    roles = RoleMapping.fromConfig(config);
  } catch (e) {
    r.problem((e as Error).message);
  }
  const developerActions = r.stringArray('idp.access.developerActions');

  if (r.problems.length > 0 || !roles) {
    throw new Error(
      `Invalid idp configuration:\n${r.problems.map(p => `  ${p}`).join('\n')}`,
    );
  }
  const result: IdpConfig = {
    gitlab,
    environment,
    argocd,
    catalog,
    undo,
    access: { roles, developerActions },
  };
  cache.set(config, result);
  return result;
}
