import type { EnvironmentDeployment } from '@internal/plugin-deployment-common';
import { splitImage, unhealthyReason } from './Promoter';

describe('splitImage', () => {
  it.each([
    ['registry.example/app:1.2.0', 'registry.example/app', '1.2.0'],
    [
      'registry.example:5000/team/app:1.2.0',
      'registry.example:5000/team/app',
      '1.2.0',
    ],
    [
      'registry.example/app:1.2.0@sha256:0123abcd',
      'registry.example/app',
      '1.2.0@sha256:0123abcd',
    ],
  ])('%s', (image, repository, tag) => {
    expect(splitImage(image)).toEqual({ repository, tag });
  });

  it.each(['registry.example:5000/app', 'app@sha256:0123abcd', 'app'])(
    'has no tag in %s',
    image => {
      expect(splitImage(image)).toBeUndefined();
    },
  );
});

describe('unhealthyReason', () => {
  const pod = (overrides: object = {}) => ({
    name: 'app-1',
    namespace: 'ns',
    phase: 'Running',
    readyContainers: 1,
    totalContainers: 1,
    restarts: 0,
    image: 'registry.example/app:1.0.0',
    imageTag: '1.0.0',
    ...overrides,
  });
  const env = (
    overrides: Partial<EnvironmentDeployment> = {},
  ): EnvironmentDeployment => ({
    name: 'app-development',
    environment: 'development',
    conditions: [],
    application: {
      name: 'app-development',
      namespace: 'argocd',
      syncStatus: 'Synced',
      healthStatus: 'Healthy',
      history: [],
      problemResources: [],
    },
    pods: [pod(), pod({ name: 'app-2' })],
    ...overrides,
  });

  it('accepts an environment that runs one image, Synced and Healthy', () => {
    expect(unhealthyReason(env())).toBeUndefined();
  });

  it.each<[string, Partial<EnvironmentDeployment>, RegExp]>([
    ['no Application', { application: undefined }, /no Argo CD Application/],
    [
      'Degraded',
      {
        application: {
          ...env().application!,
          healthStatus: 'Degraded',
          healthMessage: 'Deployment exceeded its progress deadline',
        },
      },
      /Argo CD reports it Synced and Degraded \(Deployment exceeded its progress deadline\)/,
    ],
    ['no pods', { pods: [] }, /no pod runs/],
    [
      'a crash-looping pod',
      {
        pods: [
          pod(),
          pod({ name: 'app-2', problem: 'CrashLoopBackOff', restarts: 4 }),
        ],
      },
      /pod app-2 is CrashLoopBackOff \(4 restarts\)/,
    ],
    [
      'a pod not ready',
      { pods: [pod({ readyContainers: 0 })] },
      /pod app-1 is Running, 0\/1 containers ready/,
    ],
    [
      'a rollout in progress',
      {
        pods: [
          pod(),
          pod({ name: 'app-2', image: 'registry.example/app:1.1.0' }),
        ],
      },
      /2 different images \(a rollout is in progress\)/,
    ],
  ])('refuses %s', (_, overrides, reason) => {
    expect(unhealthyReason(env(overrides))).toMatch(reason);
  });
});
