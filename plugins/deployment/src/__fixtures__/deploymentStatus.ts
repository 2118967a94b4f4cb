import type { Entity } from '@backstage/catalog-model';
import type {
  ApplicationStatus,
  ClusterDeployment,
  DeploymentStatus,
  EnvironmentDeployment,
  PodStatus,
} from '@internal/plugin-deployment-common';

/**
 * Deployment statuses for tests, built from the shared types so a change of the contract
 * breaks them at compile time. Times are relative to when the module is loaded.
 */

const NOW = Date.now();

/** An ISO time `minutes` ago. */
export function minutesAgo(minutes: number): string {
  return new Date(NOW - minutes * 60_000).toISOString();
}

export const REVISION = '3f9c2a1b7d4e5f60718293a4b5c6d7e8f9012345';
export const PREVIOUS_REVISION = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
export const DEPLOY_REPO =
  'https://gitlab.acme.example/idp/team-payments/payments-refunds-deployment';
export const commitUrl = (revision: string) =>
  `${DEPLOY_REPO}/-/commit/${revision}`;

export const annotatedEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'payments-refunds',
    namespace: 'default',
    annotations: { 'backstage.io/kubernetes-id': 'payments-refunds' },
  },
  spec: { type: 'service', owner: 'group:default/team-payments' },
};

export const unannotatedEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'payments-ledger', namespace: 'default' },
  spec: { type: 'service', owner: 'group:default/team-payments' },
};

export function pod(overrides: Partial<PodStatus> = {}): PodStatus {
  return {
    name: 'payments-refunds-7d9f8b6c5-x2k4q',
    namespace: 'team-payments-payments-refunds-development',
    phase: 'Running',
    readyContainers: 1,
    totalContainers: 1,
    restarts: 0,
    startedAt: minutesAgo(42),
    imageTag: '3f9c2a1b',
    ...overrides,
  };
}

export function application(
  overrides: Partial<ApplicationStatus> = {},
): ApplicationStatus {
  return {
    name: 'payments-refunds-development',
    namespace: 'argocd',
    repoURL: `${DEPLOY_REPO}.git`,
    targetRevision: 'development',
    syncStatus: 'Synced',
    revision: REVISION,
    revisionUrl: commitUrl(REVISION),
    healthStatus: 'Healthy',
    operation: {
      phase: 'Succeeded',
      message: 'successfully synced (all tasks run)',
      startedAt: minutesAgo(44),
      finishedAt: minutesAgo(43),
    },
    history: [
      {
        revision: REVISION,
        deployedAt: minutesAgo(43),
        revisionUrl: commitUrl(REVISION),
      },
      {
        revision: PREVIOUS_REVISION,
        deployedAt: minutesAgo(60 * 26),
        revisionUrl: commitUrl(PREVIOUS_REVISION),
      },
    ],
    problemResources: [],
    ...overrides,
  };
}

export function environment(
  overrides: Partial<EnvironmentDeployment> = {},
): EnvironmentDeployment {
  return {
    name: 'team-payments-payments-refunds-development',
    environment: 'development',
    namespace: 'team-payments-payments-refunds-development',
    conditions: [
      {
        type: 'Synced',
        status: 'True',
        reason: 'ReconcileSuccess',
        lastTransitionTime: minutesAgo(50),
      },
      {
        type: 'Ready',
        status: 'True',
        reason: 'Available',
        lastTransitionTime: minutesAgo(3),
      },
    ],
    application: application(),
    pods: [
      pod(),
      pod({
        name: 'payments-refunds-7d9f8b6c5-9zt7w',
        startedAt: minutesAgo(41),
      }),
    ],
    ...overrides,
  };
}

export function cluster(
  name: string,
  environments: EnvironmentDeployment[],
  overrides: Partial<ClusterDeployment> = {},
): ClusterDeployment {
  return { cluster: name, environments, durationMs: 35, ...overrides };
}

export function deploymentStatus(
  clusters: ClusterDeployment[],
): DeploymentStatus {
  return {
    entityRef: 'component:default/payments-refunds',
    kubernetesId: 'payments-refunds',
    generatedAt: new Date().toISOString(),
    clusters,
  };
}

/** Development on dev-cluster: Synced, Healthy, Ready, two pods running. */
export const healthyStatus = () =>
  deploymentStatus([cluster('dev-cluster', [environment()])]);

/** Argo CD reports Degraded and the ApplicationEnvironment is not Ready. */
export const degradedStatus = () =>
  deploymentStatus([
    cluster('dev-cluster', [
      environment({
        conditions: [
          {
            type: 'Synced',
            status: 'True',
            reason: 'ReconcileSuccess',
            lastTransitionTime: minutesAgo(50),
          },
          {
            type: 'Ready',
            status: 'False',
            reason: 'Unavailable',
            message:
              'Deployment payments-refunds has 0 of 2 replicas available',
            lastTransitionTime: minutesAgo(3),
          },
        ],
        application: application({
          healthStatus: 'Degraded',
          healthMessage:
            'Deployment "payments-refunds" exceeded its progress deadline',
        }),
      }),
    ]),
  ]);

/** Argo CD is OutOfSync with two resources that differ or are missing. */
export const outOfSyncStatus = () =>
  deploymentStatus([
    cluster('dev-cluster', [
      environment({
        application: application({
          syncStatus: 'OutOfSync',
          healthStatus: 'Missing',
          operation: {
            phase: 'Failed',
            message:
              'one or more objects failed to apply, reason: ConfigMap "payments-refunds-config" is invalid',
            startedAt: minutesAgo(6),
            finishedAt: minutesAgo(5),
          },
          problemResources: [
            {
              kind: 'ConfigMap',
              name: 'payments-refunds-config',
              namespace: 'team-payments-payments-refunds-development',
              syncStatus: 'OutOfSync',
              healthStatus: 'Missing',
              message: 'ConfigMap "payments-refunds-config" is invalid',
            },
            {
              kind: 'Deployment',
              name: 'payments-refunds',
              namespace: 'team-payments-payments-refunds-development',
              syncStatus: 'OutOfSync',
              healthStatus: 'Healthy',
            },
          ],
        }),
      }),
    ]),
  ]);

/** Pods with every kind of problem next to a healthy one. */
export const failingPods: PodStatus[] = [
  pod({ name: 'payments-refunds-aaaa-healthy' }),
  pod({
    name: 'payments-refunds-bbbb-crash',
    readyContainers: 0,
    restarts: 7,
    problem: 'CrashLoopBackOff',
    problemMessage:
      'back-off 5m0s restarting failed container=app pod=payments-refunds-bbbb-crash',
    lastTermination: {
      reason: 'Error',
      exitCode: 1,
      finishedAt: minutesAgo(2),
    },
  }),
  pod({
    name: 'payments-refunds-cccc-oom',
    readyContainers: 0,
    restarts: 3,
    problem: 'OOMKilled',
    problemMessage: 'Container app was killed: out of memory (limit 256Mi)',
    lastTermination: {
      reason: 'OOMKilled',
      exitCode: 137,
      finishedAt: minutesAgo(1),
    },
  }),
  pod({
    name: 'payments-refunds-dddd-pull',
    phase: 'Pending',
    readyContainers: 0,
    problem: 'ImagePullBackOff',
    problemMessage:
      'Back-off pulling image "registry.acme.example/payments-refunds:deadbee"',
    imageTag: 'deadbee',
  }),
  pod({
    name: 'payments-refunds-eeee-pending',
    phase: 'Pending',
    readyContainers: 0,
    startedAt: minutesAgo(4),
    problem: 'Pending',
    problemMessage: '0/3 nodes are available: 3 Insufficient cpu.',
  }),
];

export const failingPodsStatus = () =>
  deploymentStatus([
    cluster('dev-cluster', [
      environment({
        application: application({
          healthStatus: 'Progressing',
          healthMessage: 'Waiting for rollout to finish',
        }),
        pods: failingPods,
      }),
    ]),
  ]);

/** dev-cluster answers; prod-cluster does not. */
export const oneClusterDownStatus = () =>
  deploymentStatus([
    cluster('dev-cluster', [environment()]),
    cluster('prod-cluster', [], {
      error: {
        kind: 'unreachable',
        message: 'connect ECONNREFUSED 10.0.4.2:6443',
      },
      durationMs: 5000,
    }),
  ]);

/** Both clusters answer and hold nothing of the service. */
export const notDeployedStatus = () =>
  deploymentStatus([cluster('dev-cluster', []), cluster('prod-cluster', [])]);

/**
 * A large service: 200 pods over 3 clusters and 3 environments each (9 environments), with a
 * problem every 25th pod. The benchmark loads the same shape.
 */
export function largeStatus(totalPods = 200): DeploymentStatus {
  const clusters = ['dev-cluster', 'staging-cluster', 'prod-cluster'];
  const environments = ['development', 'staging', 'production'];
  const slots = clusters.length * environments.length;
  let index = 0;
  return deploymentStatus(
    clusters.map((clusterName, c) =>
      cluster(
        clusterName,
        environments.map((env, e) => {
          const slot = c * environments.length + e;
          const count =
            Math.floor(totalPods / slots) + (slot < totalPods % slots ? 1 : 0);
          const namespace = `team-payments-payments-refunds-${env}`;
          const pods = Array.from({ length: count }, () => {
            index += 1;
            const failing = index % 25 === 0;
            return pod({
              name: `payments-refunds-${env}-${String(index).padStart(4, '0')}`,
              namespace,
              ...(failing && {
                readyContainers: 0,
                restarts: 4,
                problem: 'CrashLoopBackOff',
                problemMessage: `back-off restarting failed container (pod ${index})`,
              }),
            });
          });
          return environment({
            name: `${namespace}-${clusterName}`,
            environment: env,
            namespace,
            application: application({ name: `payments-refunds-${env}` }),
            pods,
          });
        }),
      ),
    ),
  );
}
