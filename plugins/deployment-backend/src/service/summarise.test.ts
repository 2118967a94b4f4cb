import { applicationOf, commitUrl, imageTagOf, podOf } from './summarise';

describe('commitUrl', () => {
  it.each([
    [
      'https://gitlab.acme.example/idp/team-payments/refunds-deployment.git',
      'https://gitlab.acme.example/idp/team-payments/refunds-deployment/-/commit/abcdef1',
    ],
    [
      'https://oauth2:secret@gitlab.acme.example:8443/gitlab/idp/x.git',
      'https://gitlab.acme.example:8443/gitlab/idp/x/-/commit/abcdef1',
    ],
    ['git@gitlab.acme.example:idp/x.git', undefined],
  ])('%s', (repoURL, expected) => {
    expect(commitUrl(repoURL, 'abcdef1')).toBe(expected);
  });

  it('links only a commit SHA, never a branch name', () => {
    expect(
      commitUrl('https://gitlab.acme.example/x.git', 'main'),
    ).toBeUndefined();
  });
});

describe('imageTagOf', () => {
  it.each([
    ['registry.acme.example:5000/idp/refunds:3f2c1a9e', '3f2c1a9e'],
    ['registry.acme.example:5000/idp/refunds', 'latest'],
    ['refunds@sha256:0123456789abcdef0123', 'sha256:0123456789ab'],
  ])('%s', (image, tag) => expect(imageTagOf(image)).toBe(tag));
});

describe('podOf', () => {
  const pod = (status: object) => ({
    metadata: { name: 'p', namespace: 'ns' },
    spec: { containers: [{ name: 'app', image: 'r/app:1' }] },
    status,
  });

  it('names a crash loop caused by the memory limit OOMKilled', () => {
    const summary = podOf(
      pod({
        phase: 'Running',
        containerStatuses: [
          {
            ready: false,
            restartCount: 4,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            lastState: { terminated: { reason: 'OOMKilled', exitCode: 137 } },
          },
        ],
      }),
    );
    expect(summary).toMatchObject({
      problem: 'OOMKilled',
      restarts: 4,
      lastTermination: { reason: 'OOMKilled', exitCode: 137 },
    });
  });

  it("says why a pod is Pending, from the scheduler's condition", () => {
    const summary = podOf(
      pod({
        phase: 'Pending',
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            message: '0/3 nodes are available: 3 Insufficient memory.',
          },
        ],
      }),
    );
    expect(summary).toMatchObject({
      problem: 'Pending',
      problemMessage: '0/3 nodes are available: 3 Insufficient memory.',
    });
  });

  it('has no problem when every container is ready', () => {
    const summary = podOf(
      pod({
        phase: 'Running',
        containerStatuses: [
          { ready: true, restartCount: 0, state: { running: {} } },
        ],
      }),
    );
    expect(summary.problem).toBeUndefined();
    expect(summary.readyContainers).toBe(1);
  });
});

describe('applicationOf', () => {
  it('reads an Application that has never been synced', () => {
    expect(
      applicationOf({
        metadata: { name: 'a', namespace: 'argocd' },
        spec: {
          source: { repoURL: 'https://g/x.git', targetRevision: 'development' },
        },
      }),
    ).toMatchObject({
      syncStatus: 'Unknown',
      healthStatus: 'Unknown',
      history: [],
      problemResources: [],
    });
  });
});
