import {
  act,
  fireEvent,
  screen,
  waitFor,
  within,
} from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { deploymentActionPermission } from '@internal/plugin-deployment-common';
import { DeploymentRequestError } from '../api/DeploymentClient';
import {
  REVISION,
  annotatedEntity,
  commitUrl,
  degradedStatus,
  failingPodsStatus,
  healthyStatus,
  largeStatus,
  notDeployedStatus,
  oneClusterDownStatus,
  outOfSyncStatus,
  unannotatedEntity,
} from '../__fixtures__/deploymentStatus';
import { fakeDeploymentApi } from '../__testUtils__/fakeDeploymentApi';
import {
  DENY,
  permissionApi,
  renderForEntity,
} from '../__testUtils__/renderDeployment';
import { EntityDeploymentContent } from './EntityDeploymentContent';

const ENTITY_REF = {
  kind: 'component',
  namespace: 'default',
  name: 'payments-refunds',
};
const DEV_TITLE =
  'development · dev-cluster · team-payments-payments-refunds-development';

function renderContent(
  options: Omit<Parameters<typeof renderForEntity>[1], 'api'> & {
    api?: ReturnType<typeof fakeDeploymentApi>;
  } = {},
) {
  const api = options.api ?? fakeDeploymentApi(healthyStatus());
  return {
    api,
    ...renderForEntity(<EntityDeploymentContent />, { ...options, api }),
  };
}

function entityNamed(name: string) {
  return {
    ...annotatedEntity,
    metadata: {
      ...annotatedEntity.metadata,
      name,
      annotations: { 'backstage.io/kubernetes-id': name },
    },
  };
}

/** The environment card titled `title`. */
async function findEnvironment(title = DEV_TITLE) {
  return screen.findByRole('region', { name: title });
}

/** Pod names in table order. */
function podNames(section: HTMLElement): string[] {
  const table = within(section).getByRole('table', { name: 'Pods' });
  return within(table)
    .getAllByRole('row')
    .slice(1)
    .map(row => within(row).getAllByRole('cell')[0].textContent ?? '');
}

describe('EntityDeploymentContent', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('shows a progress indicator while loading', async () => {
    const api = fakeDeploymentApi();
    api.getDeploymentStatus.mockReturnValue(new Promise(() => {}));
    renderContent({ api });
    expect(
      await screen.findByRole('progressbar', { name: 'Loading' }),
    ).toBeInTheDocument();
    expect(api.getDeploymentStatus).toHaveBeenCalledWith(ENTITY_REF);
  });

  it('tells an entity without the annotation which annotation to add, without asking the backend', async () => {
    const { api } = renderContent({ entity: unannotatedEntity });
    expect(
      await screen.findByText('No deployment information for this component'),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/finds a service's environments/).textContent,
    ).toContain('backstage.io/kubernetes-id');
    expect(
      screen.getByText(/golden-path templates have it already/),
    ).toBeInTheDocument();
    // The snippet to paste, with the entity's name as the value (highlighted asynchronously).
    await waitFor(() =>
      expect(document.body.textContent).toContain(
        'backstage.io/kubernetes-id: payments-ledger',
      ),
    );
    expect(api.getDeploymentStatus).not.toHaveBeenCalled();
  });

  // The view used to accept this annotation too, though the backend selects by
  // backstage.io/kubernetes-id alone and would have read by the entity's name instead.
  it('treats an entity with only backstage.io/kubernetes-label-selector as unannotated, as the backend does', async () => {
    const { api } = renderContent({
      entity: {
        ...unannotatedEntity,
        metadata: {
          ...unannotatedEntity.metadata,
          annotations: {
            'backstage.io/kubernetes-label-selector': 'app=payments-ledger',
          },
        },
      },
    });
    expect(
      await screen.findByText('No deployment information for this component'),
    ).toBeInTheDocument();
    expect(api.getDeploymentStatus).not.toHaveBeenCalled();
  });

  it('says "Not deployed yet" when no cluster holds anything', async () => {
    renderContent({ api: fakeDeploymentApi(notDeployedStatus()) });
    expect(await screen.findByText('Not deployed yet')).toBeInTheDocument();
    expect(
      screen.getByText(
        'Nothing labelled backstage.io/kubernetes-id=payments-refunds on any cluster (dev-cluster, prod-cluster).',
      ),
    ).toBeInTheDocument();
    expect(screen.getByText(/after the first pipeline/)).toBeInTheDocument();
  });

  it('shows a healthy deployment: Synced, Healthy, Ready, pods running, revision linked', async () => {
    renderContent();
    const section = await findEnvironment();
    const env = within(section);

    expect(
      env.getByText('Synced: True (ReconcileSuccess)'),
    ).toBeInTheDocument();
    expect(env.getByText('Ready: True (Available)')).toBeInTheDocument();
    expect(env.getByText('· 3m ago')).toBeInTheDocument();
    expect(env.getByText('Synced')).toBeInTheDocument();
    expect(env.getByText('Healthy')).toBeInTheDocument();
    expect(env.getByText('Succeeded')).toBeInTheDocument();
    expect(env.getByText('(tracking development)')).toBeInTheDocument();

    // The deployed revision, short, linking to the commit; and the same in the history.
    const links = env.getAllByRole('link', {
      name: new RegExp(`^${REVISION.slice(0, 7)}\\b`),
    });
    expect(links[0]).toHaveAttribute('href', commitUrl(REVISION));
    expect(
      within(
        env.getByRole('list', { name: 'Recent deployments' }),
      ).getAllByRole('listitem'),
    ).toHaveLength(2);

    expect(env.getByText('2 pods, all ready')).toBeInTheDocument();
    expect(env.getAllByText('Running')).toHaveLength(2);
    expect(env.getAllByText('1/1')).toHaveLength(2);
    expect(
      env.queryByRole('table', { name: 'Resources needing attention' }),
    ).not.toBeInTheDocument();
  });

  it('shows a degraded deployment with its health message and Ready False', async () => {
    renderContent({ api: fakeDeploymentApi(degradedStatus()) });
    const env = within(await findEnvironment());
    expect(env.getByText('Degraded')).toBeInTheDocument();
    expect(
      env.getByText(
        /Deployment "payments-refunds" exceeded its progress deadline/,
      ),
    ).toBeInTheDocument();
    const ready = env.getByText('Ready: False (Unavailable)');
    expect(ready.closest('[data-status]')).toHaveAttribute(
      'data-status',
      'error',
    );
    expect(
      env.getByText(
        'Deployment payments-refunds has 0 of 2 replicas available',
      ),
    ).toBeInTheDocument();
  });

  it('shows an out-of-sync Application with its problem resources and failed operation', async () => {
    renderContent({ api: fakeDeploymentApi(outOfSyncStatus()) });
    const env = within(await findEnvironment());
    expect(env.getAllByText('OutOfSync').length).toBeGreaterThan(0);
    expect(env.getByText('Last operation')).toBeInTheDocument();
    expect(env.getByText('Failed')).toBeInTheDocument();

    const table = env.getByRole('table', {
      name: 'Resources needing attention',
    });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toHaveTextContent('ConfigMap/payments-refunds-config');
    expect(rows[0]).toHaveTextContent('OutOfSync');
    expect(rows[0]).toHaveTextContent('Missing');
    expect(rows[0]).toHaveTextContent(
      'ConfigMap "payments-refunds-config" is invalid',
    );
    expect(rows[1]).toHaveTextContent('Deployment/payments-refunds');
    expect(
      env.getByText('Resources needing attention (2)'),
    ).toBeInTheDocument();
  });

  it('puts failing pods first, with their problem and message', async () => {
    renderContent({ api: fakeDeploymentApi(failingPodsStatus()) });
    const section = await findEnvironment();
    const env = within(section);

    expect(env.getByText('5 pods, 4 failing, 1 ready')).toBeInTheDocument();
    expect(podNames(section)).toEqual([
      'payments-refunds-bbbb-crash',
      'payments-refunds-cccc-oom',
      'payments-refunds-dddd-pull',
      'payments-refunds-eeee-pending',
      'payments-refunds-aaaa-healthy',
    ]);

    for (const [problem, message, level] of [
      [
        'CrashLoopBackOff',
        /back-off 5m0s restarting failed container/,
        'error',
      ],
      ['ImagePullBackOff', /Back-off pulling image/, 'error'],
      ['Pending', /0\/3 nodes are available: 3 Insufficient cpu\./, 'warning'],
    ] as const) {
      const label = env.getByText(problem);
      expect(label.closest('[data-status]')).toHaveAttribute(
        'data-status',
        level,
      );
      expect(label.closest('tr')).toHaveTextContent(message);
    }
    // OOMKilled is both the problem and the last termination's reason.
    const oomRow = env
      .getByText('Container app was killed: out of memory (limit 256Mi)')
      .closest('tr')!;
    expect(within(oomRow).getAllByText(/OOMKilled/).length).toBe(2);
    expect(oomRow).toHaveTextContent('(exit 137)');
    expect(oomRow).toHaveTextContent('0/1');
  });

  it('shows an unreachable cluster in its place and the other cluster normally', async () => {
    renderContent({ api: fakeDeploymentApi(oneClusterDownStatus()) });
    await findEnvironment();
    const alert = screen
      .getAllByRole('alert')
      .find(a => a.textContent?.includes('prod-cluster'));
    expect(alert).toHaveTextContent(
      'prod-cluster: unreachable — connect ECONNREFUSED 10.0.4.2:6443',
    );
    // dev-cluster renders as usual.
    expect(
      within(await findEnvironment()).getByText('Healthy'),
    ).toBeInTheDocument();
    expect(screen.queryByText('Not deployed yet')).not.toBeInTheDocument();
  });

  // usePermission caches decisions per entity ref (SWR) across renders, so the tests that are
  // not allowed use entities of their own.
  it('hides Refresh and Sync when the permission is denied', async () => {
    const permission = permissionApi(DENY);
    renderContent({ permission, entity: entityNamed('denied-service') });
    await findEnvironment();
    await waitFor(() =>
      expect(permission.authorize).toHaveBeenCalledWith(
        expect.objectContaining({
          permission: deploymentActionPermission,
          resourceRef: 'component:default/denied-service',
        }),
      ),
    );
    await act(async () => {});
    expect(
      screen.queryByRole('button', { name: 'Sync' }),
    ).not.toBeInTheDocument();
    expect(
      screen.queryByRole('button', { name: 'Refresh in Argo CD' }),
    ).not.toBeInTheDocument();
  });

  it('hides Refresh and Sync while the permission is being decided', async () => {
    renderContent({
      permission: permissionApi('pending'),
      entity: entityNamed('undecided-service'),
    });
    await findEnvironment();
    expect(
      screen.queryByRole('button', { name: 'Sync' }),
    ).not.toBeInTheDocument();
  });

  it('syncs when allowed, shows the result and reads the status again', async () => {
    const { api } = renderContent();
    const env = within(await findEnvironment());
    const sync = await env.findByRole('button', { name: 'Sync' });
    expect(
      env.getByRole('button', { name: 'Refresh in Argo CD' }),
    ).toBeInTheDocument();
    expect(api.getDeploymentStatus).toHaveBeenCalledTimes(1);

    let accept: () => void = () => {};
    api.requestAction.mockImplementationOnce(
      () =>
        new Promise(resolve => {
          accept = () => resolve({ message: 'sync started' });
        }),
    );
    await userEvent.click(sync);
    // Disabled while the request runs.
    expect(env.getByRole('button', { name: 'Syncing…' })).toBeDisabled();
    expect(
      env.getByRole('button', { name: 'Refresh in Argo CD' }),
    ).toBeDisabled();
    await act(async () => accept());

    expect(api.requestAction).toHaveBeenCalledWith(ENTITY_REF, {
      action: 'sync',
      cluster: 'dev-cluster',
      application: 'payments-refunds-development',
    });
    // The backend's own words about what it did.
    expect(await env.findByText('sync started')).toBeInTheDocument();
    await waitFor(() =>
      expect(api.getDeploymentStatus).toHaveBeenCalledTimes(2),
    );
    expect(env.getByRole('button', { name: 'Sync' })).toBeEnabled();
  });

  it('asks Argo CD to refresh when allowed', async () => {
    const { api } = renderContent();
    const env = within(await findEnvironment());
    await userEvent.click(
      await env.findByRole('button', { name: 'Refresh in Argo CD' }),
    );
    expect(api.requestAction).toHaveBeenCalledWith(ENTITY_REF, {
      action: 'refresh',
      cluster: 'dev-cluster',
      application: 'payments-refunds-development',
    });
    expect(
      await env.findByText('refresh of payments-refunds-development requested'),
    ).toBeInTheDocument();
  });

  it("shows the backend's refusal of an action", async () => {
    const { api } = renderContent();
    const env = within(await findEnvironment());
    api.requestAction.mockRejectedValueOnce(
      new DeploymentRequestError(
        'You may not sync the Argo CD Applications of component:default/payments-refunds: only its owners and platform engineers may',
        403,
        'NotAllowedError',
      ),
    );
    await userEvent.click(await env.findByRole('button', { name: 'Sync' }));
    expect(
      await env.findByText(
        'Sync failed: You may not sync the Argo CD Applications of component:default/payments-refunds: only its owners and platform engineers may',
      ),
    ).toBeInTheDocument();
    expect(api.getDeploymentStatus).toHaveBeenCalledTimes(1);
  });

  it('reads again on Refresh and says how old the data is', async () => {
    const { api } = renderContent();
    await findEnvironment();
    expect(screen.getByText(/^Updated \d+s ago$/)).toBeInTheDocument();
    expect(screen.getByText('· automatic refresh off')).toBeInTheDocument();

    api.getDeploymentStatus.mockResolvedValueOnce(degradedStatus());
    await userEvent.click(screen.getByRole('button', { name: 'Refresh' }));
    expect(
      await within(await findEnvironment()).findByText('Degraded'),
    ).toBeInTheDocument();
    expect(api.getDeploymentStatus).toHaveBeenCalledTimes(2);
  });

  it('polls at the configured interval, not while the tab is hidden, and keeps the data when a poll fails', async () => {
    jest.useFakeTimers();
    const { api } = renderContent({ refreshIntervalSeconds: 10 });
    await findEnvironment();
    expect(screen.getByText('· refreshes every 10s')).toBeInTheDocument();
    expect(screen.getByText('Updated 0s ago')).toBeInTheDocument();
    expect(api.getDeploymentStatus).toHaveBeenCalledTimes(1);

    // The age ticks every second.
    await act(async () => {
      jest.advanceTimersByTime(4000);
    });
    expect(screen.getByText('Updated 4s ago')).toBeInTheDocument();

    await act(async () => {
      jest.advanceTimersByTime(6000);
    });
    expect(api.getDeploymentStatus).toHaveBeenCalledTimes(2);

    // Hidden: no polls; visible again: read at once.
    const visibility = jest
      .spyOn(document, 'visibilityState', 'get')
      .mockReturnValue('hidden');
    await act(async () => {
      jest.advanceTimersByTime(30000);
    });
    expect(api.getDeploymentStatus).toHaveBeenCalledTimes(2);
    visibility.mockReturnValue('visible');
    await act(async () => {
      document.dispatchEvent(new Event('visibilitychange'));
    });
    expect(api.getDeploymentStatus).toHaveBeenCalledTimes(3);
    visibility.mockRestore();

    // A failing poll keeps the data and warns.
    api.getDeploymentStatus.mockRejectedValueOnce(
      new Error('The deployment backend answered 502 Bad Gateway'),
    );
    await act(async () => {
      jest.advanceTimersByTime(10000);
    });
    expect(api.getDeploymentStatus).toHaveBeenCalledTimes(4);
    expect(
      screen.getByText(
        /Could not refresh: The deployment backend answered 502 Bad Gateway/,
      ),
    ).toBeInTheDocument();
    expect(
      within(await findEnvironment()).getByText('Healthy'),
    ).toBeInTheDocument();

    // The next successful poll clears the warning.
    await act(async () => {
      jest.advanceTimersByTime(10000);
    });
    expect(screen.queryByText(/Could not refresh/)).not.toBeInTheDocument();
  });

  it('tells someone the policy refuses that they have no access, without a Retry', async () => {
    const api = fakeDeploymentApi(healthyStatus());
    api.getDeploymentStatus.mockRejectedValue(
      new DeploymentRequestError(
        'You may not see the deployment status of component:default/payments-refunds',
        403,
        'NotAllowedError',
      ),
    );
    renderContent({ api });
    expect(
      await screen.findByText('No access to the deployment status'),
    ).toBeInTheDocument();
    expect(
      screen.getByText(
        /You may not see the deployment status of component:default\/payments-refunds\. Platform engineers, developers, managers and auditors may see it/,
      ),
    ).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Retry' })).toBeNull();
    expect(
      screen.queryByText('Could not load the deployment status'),
    ).not.toBeInTheDocument();
  });

  it('shows a first-load error with a Retry that reads again', async () => {
    const api = fakeDeploymentApi(healthyStatus());
    api.getDeploymentStatus.mockRejectedValueOnce(
      new DeploymentRequestError(
        'No entity component:default/payments-refunds in the catalog',
        404,
        'NotFoundError',
      ),
    );
    renderContent({ api });
    expect(
      await screen.findByText('Could not load the deployment status'),
    ).toBeInTheDocument();
    expect(
      screen.getByText(
        'No entity component:default/payments-refunds in the catalog',
      ),
    ).toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(await findEnvironment()).toBeInTheDocument();
    expect(
      screen.queryByText('Could not load the deployment status'),
    ).not.toBeInTheDocument();
  });

  it('renders 200 pods over 3 clusters', async () => {
    // Role queries walk the accessibility tree of the whole page, which is slow at this size;
    // the timings below use plain selectors so that they measure rendering.
    const api = fakeDeploymentApi(largeStatus(200));
    const started = performance.now();
    const { container } = renderContent({ api });
    await waitFor(
      () =>
        expect(
          container.querySelectorAll('table[aria-label="Pods"] tbody tr'),
        ).toHaveLength(200),
      { timeout: 10_000, interval: 5 },
    );
    const rendered = performance.now() - started;

    expect(container.querySelectorAll('section')).toHaveLength(9);
    expect(
      container.querySelectorAll('tr[data-problem="CrashLoopBackOff"]'),
    ).toHaveLength(8);
    // Problems first in every environment: no healthy row before a problem row.
    const problemAfterHealthy = [
      ...container.querySelectorAll('table[aria-label="Pods"]'),
    ].some(table =>
      [...table.querySelectorAll('tbody tr')].some(
        (row, index, rows) =>
          row.hasAttribute('data-problem') &&
          index > 0 &&
          !rows[index - 1].hasAttribute('data-problem'),
      ),
    );
    expect(problemAfterHealthy).toBe(false);

    // A refresh with new data re-renders every section.
    const next = largeStatus(200);
    next.clusters[2].environments[2].pods[0].name = 'payments-refunds-renamed';
    api.getDeploymentStatus.mockResolvedValueOnce(next);
    const refresh = container.querySelector<HTMLButtonElement>(
      'button[aria-label="Refresh"]',
    )!;
    const refreshStarted = performance.now();
    fireEvent.click(refresh);
    await waitFor(
      () => {
        expect(container.textContent).toContain('payments-refunds-renamed');
        expect(refresh).toBeEnabled();
      },
      { timeout: 10_000, interval: 5 },
    );
    const refreshed = performance.now() - refreshStarted;

    // eslint-disable-next-line no-console
    console.log(
      `200 pods / 3 clusters / 9 environments (jsdom): first render ${Math.round(
        rendered,
      )} ms, refresh with new data ${Math.round(refreshed)} ms`,
    );
  }, 60_000);
});
