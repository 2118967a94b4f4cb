import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { DeploymentRequestError } from '../api/DeploymentClient';
import {
  cluster,
  deploymentStatus,
  environment,
  failingPods,
  healthyStatus,
  notDeployedStatus,
  oneClusterDownStatus,
  application,
  unannotatedEntity,
} from '../__fixtures__/deploymentStatus';
import { fakeDeploymentApi } from '../__testUtils__/fakeDeploymentApi';
import { renderForEntity } from '../__testUtils__/renderDeployment';
import { EntityDeploymentCard } from './EntityDeploymentCard';

function renderCard(api = fakeDeploymentApi(healthyStatus())) {
  return { api, ...renderForEntity(<EntityDeploymentCard />, { api }) };
}

describe('EntityDeploymentCard', () => {
  it('shows progress while loading', async () => {
    const api = fakeDeploymentApi();
    api.getDeploymentStatus.mockReturnValue(new Promise(() => {}));
    renderCard(api);
    expect(
      await screen.findByRole('progressbar', { name: 'Loading' }),
    ).toBeInTheDocument();
  });

  it('shows one line per environment with sync, health and pods, and links to the tab', async () => {
    renderCard(
      fakeDeploymentApi(
        deploymentStatus([
          cluster('dev-cluster', [environment()]),
          cluster('prod-cluster', [
            environment({
              name: 'team-payments-payments-refunds-production',
              environment: 'production',
              namespace: 'team-payments-payments-refunds-production',
              application: application({
                name: 'payments-refunds-production',
                syncStatus: 'OutOfSync',
                healthStatus: 'Degraded',
              }),
              pods: failingPods,
            }),
          ]),
        ]),
      ),
    );
    const table = await screen.findByRole('table', { name: 'Environments' });
    const rows = within(table).getAllByRole('row');
    expect(rows).toHaveLength(2);

    expect(rows[0]).toHaveTextContent('development');
    expect(rows[0]).toHaveTextContent('dev-cluster');
    expect(within(rows[0]).getByText('Synced')).toBeInTheDocument();
    expect(within(rows[0]).getByText('Healthy')).toBeInTheDocument();
    expect(within(rows[0]).getByText('2/2 pods ready')).toBeInTheDocument();
    expect(rows[0]).not.toHaveTextContent('problem');

    expect(rows[1]).toHaveTextContent('production');
    expect(within(rows[1]).getByText('OutOfSync')).toBeInTheDocument();
    expect(within(rows[1]).getByText('Degraded')).toBeInTheDocument();
    expect(within(rows[1]).getByText('1/5 pods ready')).toBeInTheDocument();
    expect(within(rows[1]).getByText('4 problems')).toBeInTheDocument();

    expect(
      screen.getByRole('link', { name: /Deployment details/ }),
    ).toHaveAttribute(
      'href',
      '/catalog/default/component/payments-refunds/deployment',
    );
  });

  it('names a preview apart from development', async () => {
    renderCard(
      fakeDeploymentApi(
        deploymentStatus([
          cluster('dev-cluster', [
            environment(),
            environment({
              name: 'payments-refunds-preview-mr-42',
              namespace: 'team-payments-payments-refunds-preview-mr-42',
              preview: {
                name: 'mr-42',
                branch: 'feature/refund-limits',
                expiresAt: '2099-01-01T00:00:00Z',
              },
            }),
          ]),
        ]),
      ),
    );
    expect(await screen.findByText('preview mr-42')).toBeInTheDocument();
    expect(screen.getAllByText('development')).toHaveLength(1);
  });

  it('shows an unreachable cluster next to the others', async () => {
    renderCard(fakeDeploymentApi(oneClusterDownStatus()));
    const table = await screen.findByRole('table', { name: 'Environments' });
    expect(table).toHaveTextContent(
      'prod-cluster: unreachable — connect ECONNREFUSED 10.0.4.2:6443',
    );
    expect(within(table).getByText('2/2 pods ready')).toBeInTheDocument();
  });

  it('says when nothing is deployed', async () => {
    renderCard(fakeDeploymentApi(notDeployedStatus()));
    expect(await screen.findByText('Not deployed yet.')).toBeInTheDocument();
  });

  it('shows a load error with Retry', async () => {
    const api = fakeDeploymentApi(healthyStatus());
    api.getDeploymentStatus.mockRejectedValueOnce(
      new DeploymentRequestError('The deployment backend answered 503', 503),
    );
    renderCard(api);
    expect(
      await screen.findByText(
        'Could not load the deployment status: The deployment backend answered 503',
      ),
    ).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(await screen.findByText('2/2 pods ready')).toBeInTheDocument();
  });

  it('names the annotation when the entity has none', async () => {
    const api = fakeDeploymentApi(healthyStatus());
    renderForEntity(<EntityDeploymentCard />, {
      api,
      entity: unannotatedEntity,
    });
    expect(
      await screen.findByText('backstage.io/kubernetes-id'),
    ).toBeInTheDocument();
    expect(api.getDeploymentStatus).not.toHaveBeenCalled();
  });
});
