import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { KubeObject } from '../kube/compositeResourceCrd';
import { parseManifests } from '../kube/compositeResourceCrd';
import { repoRoot } from '../paths';

/** The namespace Argo CD runs in (platform/portal/access/rbac.yaml creates it). */
export const ARGOCD_NAMESPACE = 'argocd';

/** The Argo CD version the controllers option runs (tools/argocd/go.mod). */
export function argocdVersion(): string {
  const gomod = fs.readFileSync(
    path.join(repoRoot(), 'tools', 'argocd', 'go.mod'),
    'utf8',
  );
  const version = /github\.com\/argoproj\/argo-cd\/v3 (v\S+)/.exec(gomod)?.[1];
  if (!version)
    throw new Error('cannot read Argo CD version from tools/argocd/go.mod');
  return version;
}

const partOf = (name: string) => ({
  'app.kubernetes.io/name': name,
  'app.kubernetes.io/part-of': 'argocd',
});

/**
 * The objects of Argo CD's namespace that its install manifests create and the application
 * controller reads through its settings manager: argocd-cm (settings; defaults), argocd-secret
 * (server.secretkey), argocd-rbac-cm (RBAC of the API server, which does not run here; empty)
 * and argocd-cmd-params-cm (the components' flags in a cluster; here the processes get flags,
 * so it is empty).
 */
export function argocdNamespaceObjects(): KubeObject[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'argocd-cm',
        namespace: ARGOCD_NAMESPACE,
        labels: partOf('argocd-cm'),
      },
      data: {},
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'argocd-secret',
        namespace: ARGOCD_NAMESPACE,
        labels: partOf('argocd-secret'),
      },
      type: 'Opaque',
      stringData: {
        'server.secretkey': crypto.randomBytes(32).toString('base64'),
      },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'argocd-rbac-cm',
        namespace: ARGOCD_NAMESPACE,
        labels: partOf('argocd-rbac-cm'),
      },
      data: {},
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'argocd-cmd-params-cm',
        namespace: ARGOCD_NAMESPACE,
        labels: partOf('argocd-cmd-params-cm'),
      },
      data: {},
    },
  ];
}

/**
 * The platform's AppProjects (platform/argocd/appprojects.yaml) for a GitLab other than
 * gitlab.acme.example, as its header says to adapt them: every `sourceRepos` entry's
 * `https://gitlab.acme.example/idp/` prefix replaced by `groupUrl` (e.g. the GitLab double's
 * `<baseUrl>/idp/`). Argo CD refuses an Application whose repository its project does not permit.
 */
export function platformAppProjects(groupUrl: string): KubeObject[] {
  const prefix = groupUrl.endsWith('/') ? groupUrl : `${groupUrl}/`;
  return parseManifests(
    fs.readFileSync(
      path.join(repoRoot(), 'platform', 'argocd', 'appprojects.yaml'),
      'utf8',
    ),
  ).map(project => ({
    ...project,
    spec: {
      ...project.spec,
      sourceRepos: (project.spec.sourceRepos as string[]).map(repo =>
        repo.replace('https://gitlab.acme.example/idp/', prefix),
      ),
    },
  }));
}

/**
 * An Argo CD repository Secret as the portal delivers it (plugins/scaffolder-backend-module-idp,
 * createDeployRepo.ts): `argocd/repo-gitlab-<projectId>`, labelled
 * `argocd.argoproj.io/secret-type: repository`, with a GitLab deploy token.
 */
export function repositorySecret(options: {
  projectId: number;
  url: string;
  username: string;
  password: string;
}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: `repo-gitlab-${options.projectId}`,
      namespace: ARGOCD_NAMESPACE,
      labels: { 'argocd.argoproj.io/secret-type': 'repository' },
    },
    type: 'Opaque',
    stringData: {
      type: 'git',
      url: options.url,
      username: options.username,
      password: options.password,
    },
  };
}
