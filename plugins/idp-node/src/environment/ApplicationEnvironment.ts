import { Config } from '@backstage/config';
import { EnvironmentName, IDP_LABELS, environmentNames } from '../naming';
import { KubeObject } from '../kubernetes/ClusterClient';
import { readIdpConfig } from '../config/readIdpConfig';

/** The spec of an ApplicationEnvironment (platform/crossplane/definition.yaml). */
export interface ApplicationEnvironmentSpec {
  team: string;
  system: string;
  component: string;
  environment: EnvironmentName;
  targetNamespace?: string;
  size?: 'small' | 'medium' | 'large';
  repository: { url: string; path?: string; revision?: string };
  exposure?: {
    mode?: 'public' | 'internal' | 'none';
    hostname?: string;
    port?: number;
  };
  /** A short-lived preview of an app repository's branch (development only). */
  preview?: PreviewSpec;
}

/** `spec.preview` of an ApplicationEnvironment (platform/crossplane/definition.yaml). */
export interface PreviewSpec {
  /** A DNS label of at most 20 characters, e.g. `mr-42`. */
  name: string;
  /** The app repository's branch it runs. */
  branch: string;
  mergeRequest?: number;
  /** When the portal removes it (ISO 8601). */
  expiresAt: string;
  /** The image the app's pipeline built for the branch. */
  image?: { repository: string; tag: string };
}

/** How the platform serves ApplicationEnvironments, from `idp.environment`. */
export interface EnvironmentApiSettings {
  apiVersion: string;
  kind: string;
  /** `Cluster` for the Crossplane v2 XR, `Namespaced` for a legacy v1 claim. */
  scope: 'Cluster' | 'Namespaced';
  /** Namespace of legacy claims. */
  claimNamespace?: string;
  fieldManager: string;
  /** Environment → cluster name in the `kubernetes` configuration. */
  clusters: Record<string, string>;
  waitTimeoutSeconds: number;
  pollIntervalSeconds: number;
}

/** `idp.environment` with its defaults, as {@link readIdpConfig} validated it. */
export function readEnvironmentApiSettings(
  config: Config,
): EnvironmentApiSettings {
  return readIdpConfig(config).environment;
}

/**
 * The ApplicationEnvironment object for a spec, named and labelled by the naming rules, as the
 * XR (cluster-scoped) or the legacy claim (in `claimNamespace`).
 */
export function buildApplicationEnvironment(
  spec: ApplicationEnvironmentSpec,
  settings: EnvironmentApiSettings,
  taskId?: string,
): KubeObject {
  const names = environmentNames(spec);
  const cleanSpec = JSON.parse(JSON.stringify(spec));
  return {
    apiVersion: settings.apiVersion,
    kind: settings.kind,
    metadata: {
      name: names.resource,
      ...(settings.scope === 'Namespaced' && {
        namespace: settings.claimNamespace,
      }),
      labels: {
        [IDP_LABELS.kubernetesId]: spec.component,
        [IDP_LABELS.team]: spec.team,
        [IDP_LABELS.system]: spec.system,
        [IDP_LABELS.component]: spec.component,
        [IDP_LABELS.environment]: spec.environment,
        ...(spec.preview && { [IDP_LABELS.preview]: spec.preview.name }),
        ...(taskId && { [IDP_LABELS.task]: taskId }),
      },
    },
    spec: cleanSpec,
  };
}

/** A Crossplane condition as the portal reports it. */
export interface EnvironmentCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

/** The Synced and Ready conditions of an object (absent ones are Unknown). */
export function readinessOf(object: KubeObject | undefined): {
  synced: EnvironmentCondition;
  ready: EnvironmentCondition;
} {
  const conditions: EnvironmentCondition[] = object?.status?.conditions ?? [];
  const find = (type: string): EnvironmentCondition =>
    conditions.find(c => c.type === type) ?? {
      type,
      status: 'Unknown',
      reason: 'NotReported',
    };
  return { synced: find('Synced'), ready: find('Ready') };
}

/** `Ready=False (Creating: Unready resources: namespace)`. */
export function describeCondition(c: EnvironmentCondition): string {
  return `${c.type}=${c.status}${
    c.reason || c.message
      ? ` (${[c.reason, c.message].filter(Boolean).join(': ')})`
      : ''
  }`;
}
