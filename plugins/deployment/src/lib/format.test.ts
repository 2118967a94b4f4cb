import { environment } from '../__fixtures__/deploymentStatus';
import {
  environmentTitle,
  formatAge,
  formatAgo,
  formatDuration,
  plural,
  shortRevision,
} from './format';

describe('format', () => {
  it('shortens git SHAs only', () => {
    expect(shortRevision('3f9c2a1b7d4e5f60718293a4b5c6d7e8f9012345')).toBe(
      '3f9c2a1',
    );
    expect(shortRevision('v1.2.3')).toBe('v1.2.3');
  });

  it('formats durations in the largest whole unit', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(59_999)).toBe('59s');
    expect(formatDuration(60_000)).toBe('1m');
    expect(formatDuration(3 * 3600_000)).toBe('3h');
    expect(formatDuration(47 * 3600_000)).toBe('47h');
    expect(formatDuration(5 * 86400_000)).toBe('5d');
  });

  it('formats ages, clamping the future and ignoring bad times', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    expect(formatAge('2026-01-01T11:57:00Z', now)).toBe('3m');
    expect(formatAgo('2026-01-01T11:57:00Z', now)).toBe('3m ago');
    expect(formatAge('2026-01-01T12:00:05Z', now)).toBe('0s');
    expect(formatAge('yesterday', now)).toBeUndefined();
    expect(formatAgo(undefined, now)).toBeUndefined();
  });

  it('pluralises', () => {
    expect(plural(1, 'pod')).toBe('1 pod');
    expect(plural(3, 'pod')).toBe('3 pods');
  });

  it('titles environments without repeating parts', () => {
    expect(environmentTitle('dev-cluster', environment())).toBe(
      'development · dev-cluster · team-payments-payments-refunds-development',
    );
    expect(
      environmentTitle(
        'dev-cluster',
        environment({
          name: 'payments-refunds-preview',
          environment: undefined,
          namespace: undefined,
        }),
      ),
    ).toBe('payments-refunds-preview · dev-cluster');
  });
});
