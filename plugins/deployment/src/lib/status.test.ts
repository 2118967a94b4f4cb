import {
  failingPods,
  notDeployedStatus,
  oneClusterDownStatus,
  pod,
} from '../__fixtures__/deploymentStatus';
import {
  conditionLevel,
  healthLevel,
  isNothingDeployed,
  podLevel,
  podSummaryText,
  sortPods,
  syncLevel,
} from './status';

describe('status', () => {
  it('maps conditions, sync and health to levels', () => {
    expect(conditionLevel('True')).toBe('ok');
    expect(conditionLevel('False')).toBe('error');
    expect(conditionLevel('Unknown')).toBe('pending');
    expect(syncLevel('Synced')).toBe('ok');
    expect(syncLevel('OutOfSync')).toBe('warning');
    expect(syncLevel('Unknown')).toBe('pending');
    expect(healthLevel('Healthy')).toBe('ok');
    expect(healthLevel('Progressing')).toBe('running');
    expect(healthLevel('Degraded')).toBe('error');
    expect(healthLevel('Missing')).toBe('warning');
    expect(healthLevel('Unknown')).toBe('pending');
  });

  it('treats crashes and pull errors as errors and Pending as a warning', () => {
    const levels = Object.fromEntries(
      failingPods.map(p => [p.problem ?? 'none', podLevel(p)]),
    );
    expect(levels).toEqual({
      none: 'ok',
      CrashLoopBackOff: 'error',
      OOMKilled: 'error',
      ImagePullBackOff: 'error',
      Pending: 'warning',
    });
    expect(podLevel(pod({ problem: 'ErrImagePull' }))).toBe('error');
    expect(podLevel(pod({ readyContainers: 0, totalContainers: 2 }))).toBe(
      'running',
    );
  });

  it('sorts problems first, then by name', () => {
    expect(sortPods(failingPods).map(p => p.problem ?? 'none')).toEqual([
      'CrashLoopBackOff',
      'OOMKilled',
      'ImagePullBackOff',
      'Pending',
      'none',
    ]);
  });

  it('summarises pods', () => {
    expect(podSummaryText(failingPods)).toBe('5 pods, 4 failing, 1 ready');
    expect(podSummaryText([pod()])).toBe('1 pod, all ready');
    expect(podSummaryText([])).toBe('No pods');
  });

  it('knows when nothing is deployed', () => {
    expect(isNothingDeployed(notDeployedStatus())).toBe(true);
    expect(isNothingDeployed(oneClusterDownStatus())).toBe(false);
  });
});
