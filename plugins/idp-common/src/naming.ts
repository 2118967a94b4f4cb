/**
 * The portal's naming rules, in one place. A component's name is its GitLab project path, its
 * catalog entity name, its `backstage.io/kubernetes-id` label and part of its namespace and
 * Argo CD Application name; computing them all here keeps the deployment view from coming up
 * empty because two names drifted apart (the reference portal's bug). The scaffolder's form
 * fields check names with these same functions before submit, so they cannot accept what the
 * actions then refuse.
 */

import { parseEntityRef } from '@backstage/catalog-model';

/** The environments the platform knows, in promotion order (the XRD's enum). */
export const ENVIRONMENTS = ['development', 'staging', 'production'] as const;

/** One of {@link ENVIRONMENTS}. */
export type EnvironmentName = (typeof ENVIRONMENTS)[number];

/**
 * The environment with the longest name. A component's namespaces are
 * `<team>-<component>-<environment>`, so a name that fits with this one fits with every
 * environment.
 */
export const LONGEST_ENVIRONMENT: EnvironmentName = ENVIRONMENTS.reduce(
  (longest, e) => (e.length > longest.length ? e : longest),
);

/** Kubernetes' limit for a namespace or label value (an RFC 1123 DNS label). */
export const KUBERNETES_NAME_MAX_LENGTH = 63;

/** The catalog namespace teams live in; names (GitLab group, namespace prefix) use only the name. */
export const TEAM_NAMESPACE = 'default';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Errors of a value that must be a Kubernetes DNS label (RFC 1123): what the XRD enforces for
 * team, system, component and namespace, and what GitLab accepts as a project path.
 * Returns an empty list when valid.
 */
export function dnsLabelErrors(
  value: string,
  maxLength = KUBERNETES_NAME_MAX_LENGTH,
): string[] {
  if (value.length === 0) return ['must not be empty'];
  const errors: string[] = [];
  if (value.length > maxLength) {
    errors.push(
      `must be at most ${maxLength} characters (it has ${value.length})`,
    );
  }
  if (!DNS_LABEL.test(value)) {
    if (/[A-Z]/.test(value)) errors.push('must be lowercase');
    // eslint-disable-next-line no-control-regex
    if (/[^\x00-\x7f]/.test(value)) errors.push('must be plain ASCII');
    errors.push(
      "may contain only a-z, 0-9 and '-', and must start and end with a letter or digit",
    );
  }
  return errors;
}

const DNS_NAME =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/;

/**
 * Errors of a fully qualified DNS name such as `apps.acme.example` (RFC 1123 labels, at least
 * two, lowercase, at most 253 characters, ending in a top-level domain, not an IP address and
 * not a wildcard). Returns an empty list when valid.
 */
export function dnsNameErrors(value: string): string[] {
  if (
    !DNS_NAME.test(value) ||
    value.length > 253 ||
    value.split('.').some(label => label.length > KUBERNETES_NAME_MAX_LENGTH)
  ) {
    return [
      'is not a DNS name (lowercase labels joined by dots, such as apps.acme.example)',
    ];
  }
  if (/^[0-9]+$/.test(value.split('.').pop()!)) {
    return [
      'is not a DNS name: it ends in a number, not a top-level domain (an IP address?)',
    ];
  }
  return [];
}

/**
 * Errors of a GitLab group path such as `idp/team-payments` (GitLab's namespace path rules,
 * per segment, plus lowercase: mixed case paths make URLs and catalog slugs disagree).
 */
export function groupPathErrors(value: string): string[] {
  if (value.length === 0) return ['must not be empty'];
  const segments = value.split('/');
  const errors: string[] = [];
  if (segments.length > 20) errors.push('may have at most 20 levels');
  for (const segment of segments) {
    if (segment === '' || segment === '.' || segment === '..') {
      errors.push(`has an empty, '.' or '..' segment`);
    } else if (
      !/^[a-z0-9_][a-z0-9_.-]*$/.test(segment) ||
      /(\.|\.git|\.atom)$/.test(segment) ||
      segment.length > 255
    ) {
      errors.push(
        `segment '${segment}' may contain only lowercase letters, digits, '_', '-' and '.', ` +
          `may not start with '-' or '.', end in '.', '.git' or '.atom', or exceed 255 characters`,
      );
    }
  }
  return errors;
}

/** Errors of a free-text description (GitLab: 2000 characters; no control characters but line breaks). */
export function descriptionErrors(value: string, maxLength = 2000): string[] {
  const errors: string[] = [];
  if (value.length > maxLength) {
    errors.push(
      `must be at most ${maxLength} characters (it has ${value.length})`,
    );
  }
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(value)) {
    errors.push('must not contain control characters');
  }
  return errors;
}

/** What the platform derives from a component's identity. */
export interface EnvironmentNames {
  /** The ApplicationEnvironment (cluster-scoped XR or claim) name. */
  resource: string;
  /** The namespace the composition creates (unless a target namespace is given). */
  namespace: string;
  /** The Argo CD Application the composition creates in `argocd`. */
  argocdApplication: string;
}

/**
 * The names the ApplicationEnvironment composition gives what it composes
 * (platform/crossplane/function-applicationenvironment mirrors this). A preview of a branch is
 * `<component>-preview-<name>` in `<team>-<component>-preview-<name>`: the `preview` part keeps
 * a preview named `staging` from taking the staging environment's names.
 */
export function environmentNames(spec: {
  team: string;
  component: string;
  environment: string;
  targetNamespace?: string;
  preview?: { name: string };
}): EnvironmentNames {
  const suffix = spec.preview
    ? `preview-${spec.preview.name}`
    : spec.environment;
  return {
    resource: `${spec.component}-${suffix}`,
    namespace:
      spec.targetNamespace ?? `${spec.team}-${spec.component}-${suffix}`,
    argocdApplication: `${spec.component}-${suffix}`,
  };
}

/** The longest preview name (the XRD's `spec.preview.name` maxLength). */
export const PREVIEW_NAME_MAX_LENGTH = 20;

/** Errors of a preview's name: a DNS label of at most {@link PREVIEW_NAME_MAX_LENGTH} characters. */
export function previewNameErrors(value: string): string[] {
  const errors: string[] = [];
  if (value.length === 0 || value.length > PREVIEW_NAME_MAX_LENGTH) {
    errors.push(
      `must be 1 to ${PREVIEW_NAME_MAX_LENGTH} characters (it has ${value.length})`,
    );
  }
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(value)) {
    errors.push(
      'may contain only lowercase letters, digits and -, and must start and end with a letter or digit',
    );
  }
  return errors;
}

/**
 * The default name of a preview: `mr-<iid>` for a merge request, else the branch as GitLab's
 * `CI_COMMIT_REF_SLUG` makes it (lower case, every other character a dash), cut to
 * {@link PREVIEW_NAME_MAX_LENGTH} characters without a dash at either end.
 */
export function previewNameFor(source: {
  branch: string;
  mergeRequest?: number;
}): string {
  if (source.mergeRequest !== undefined) return `mr-${source.mergeRequest}`;
  return source.branch
    .toLocaleLowerCase('en-US')
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, PREVIEW_NAME_MAX_LENGTH)
    .replace(/^-+|-+$/g, '');
}

/**
 * Errors of a git branch name as `git check-ref-format --branch` and GitLab accept it, kept to
 * what a pipeline's branch can be: no spaces, `..`, `~^:?*[\\`, control characters, `@{`, no
 * leading `-` or `/`, no trailing `/`, `.` or `.lock`, at most 255 characters.
 */
export function branchNameErrors(value: string): string[] {
  if (value.length === 0) return ['must not be empty'];
  const errors: string[] = [];
  if (value.length > 255) {
    errors.push(`must be at most 255 characters (it has ${value.length})`);
  }
  if (
    // eslint-disable-next-line no-control-regex
    /[\x00-\x20\x7f~^:?*[\\]/.test(value) ||
    value.includes('..') ||
    value.includes('@{') ||
    value.includes('//') ||
    /^[-/.]|[/.]$|\.lock$|\/\./.test(value)
  ) {
    errors.push(
      "is not a git branch name: no spaces, '..', '~', '^', ':', '?', '*', '[', '\\', '@{' or '//', and no '-', '/' or '.' at the start or '/', '.' or '.lock' at the end",
    );
  }
  return errors;
}

/**
 * The topic every project a golden path creates carries: the mark `idp:undo` checks before it
 * removes a project (besides the project's place in the team's group), so undo never removes a
 * project it did not create, whatever a record or an annotation names; environment management
 * and promotion check it before they write to a deployment repository.
 */
export function componentTopic(component: string): string {
  return `idp-component-${component}`;
}

/** The GitOps deployment project's path for a component's application project path. */
export function deployRepoPath(appProjectPath: string): string {
  return `${appProjectPath}-deployment`;
}

/**
 * The team an owner ref names: the name of a Group in the {@link TEAM_NAMESPACE} namespace
 * (`group:default/team-payments`, `default/team-payments` and `team-payments` all give
 * `team-payments`), else `undefined`. Users, groups of other namespaces, empty and malformed
 * values name no team: the golden paths refuse them as owners (TeamAuthority), and the
 * deployment view shows nothing for entities they own, so no namespace is named after them.
 * Kind and namespace compare case-insensitively, as entity refs do.
 */
export function teamFromOwnerRef(ownerRef: unknown): string | undefined {
  if (typeof ownerRef !== 'string' || ownerRef.trim() === '') {
    return undefined;
  }
  try {
    const ref = parseEntityRef(ownerRef.trim(), {
      defaultKind: 'group',
      defaultNamespace: TEAM_NAMESPACE,
    });
    return ref.kind.toLocaleLowerCase('en-US') === 'group' &&
      ref.namespace.toLocaleLowerCase('en-US') === TEAM_NAMESPACE
      ? ref.name
      : undefined;
  } catch {
    return undefined;
  }
}

/** The GitLab group under which every team has its own subgroup (`idp.gitlab.teamsGroup`). */
export const DEFAULT_TEAMS_GROUP = 'idp';

/**
 * A team's GitLab group: `<teamsGroup>/<team>`, e.g. `idp/team-payments`. It follows from the
 * verified team (a catalog Group of type team), never from a form value, so a project's place in
 * GitLab says which team it belongs to; the catalog's tenancy rules read it back from a
 * registered file's URL.
 */
export function teamGitLabGroup(
  team: string,
  teamsGroup: string = DEFAULT_TEAMS_GROUP,
): string {
  return `${teamsGroup.replace(/^\/+|\/+$/g, '')}/${team}`;
}
