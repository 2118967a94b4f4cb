import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  annotatedEntity,
  cluster,
  deploymentStatus,
  environment,
} from '../__fixtures__/deploymentStatus';
import { DeploymentRequestError } from '../api/DeploymentClient';
import { fakeDeploymentApi } from '../__testUtils__/fakeDeploymentApi';
import {
  DENY,
  permissionApi,
  renderForEntity,
} from '../__testUtils__/renderDeployment';
import { EntityDeploymentContent } from './EntityDeploymentContent';
import { expiryText } from './PreviewDetails';

const ENTITY_REF = {
  kind: 'component',
  namespace: 'default',
  name: 'payments-refunds',
};
const DEV_TITLE =
  'development · dev-cluster · team-payments-payments-refunds-development';
const STAGING_TITLE =
  'staging · dev-cluster · team-payments-payments-refunds-staging';

/** Development and staging of one service on one cluster. */
const twoEnvironments = () =>
  deploymentStatus([
    cluster('dev-cluster', [
      environment(),
      environment({
        name: 'team-payments-payments-refunds-staging',
        environment: 'staging',
        namespace: 'team-payments-payments-refunds-staging',
      }),
    ]),
  ]);

describe('environment management in the Deployment tab', () => {
  it('lists the environments in promotion order, with links to add and remove one for this service', async () => {
    renderForEntity(<EntityDeploymentContent />, {
      api: fakeDeploymentApi(twoEnvironments()),
    });
    const bar = within(
      await screen.findByRole('region', { name: 'Environments' }),
    );
    expect(bar.getByText('development → staging')).toBeInTheDocument();
    const formData = encodeURIComponent(
      JSON.stringify({ component: 'component:default/payments-refunds' }),
    );
    expect(
      bar.getByRole('link', { name: 'Add an environment' }),
    ).toHaveAttribute(
      'href',
      `/create/templates/default/add-environment?formData=${formData}`,
    );
    expect(
      bar.getByRole('link', { name: 'Remove an environment' }),
    ).toHaveAttribute(
      'href',
      `/create/templates/default/remove-environment?formData=${formData}`,
    );
  });

  it('shows the environments in promotion order, whatever order the backend sends', async () => {
    const status = twoEnvironments();
    status.clusters[0].environments.reverse();
    renderForEntity(<EntityDeploymentContent />, {
      api: fakeDeploymentApi(status),
    });
    await screen.findByRole('region', { name: STAGING_TITLE });
    const titles = screen
      .getAllByRole('region')
      .map(r => r.getAttribute('aria-label'))
      .filter(t => t === DEV_TITLE || t === STAGING_TITLE);
    expect(titles).toEqual([DEV_TITLE, STAGING_TITLE]);
  });

  it('offers no promotion when the next environment already runs the image', async () => {
    const status = twoEnvironments();
    // Both environments' pods run the same image (the fixture's tag 3f9c2a1b).
    for (const env of status.clusters[0].environments) {
      env.pods = env.pods.map(p => ({
        ...p,
        image: 'registry.example/app:1.0.0',
      }));
    }
    renderForEntity(<EntityDeploymentContent />, {
      api: fakeDeploymentApi(status),
    });
    const dev = within(await screen.findByRole('region', { name: DEV_TITLE }));
    expect(
      await dev.findByRole('button', { name: 'staging runs 3f9c2a1b' }),
    ).toBeDisabled();
    expect(dev.queryByRole('button', { name: /^Promote/ })).toBeNull();
  });

  it('promotes development to staging, shows what the backend did, and reads everything again', async () => {
    const api = fakeDeploymentApi(twoEnvironments());
    renderForEntity(<EntityDeploymentContent />, { api });
    const dev = within(await screen.findByRole('region', { name: DEV_TITLE }));
    const staging = within(
      await screen.findByRole('region', { name: STAGING_TITLE }),
    );
    // Staging is the last environment: nothing to promote it to.
    expect(staging.queryByRole('button', { name: /^Promote/ })).toBeNull();
    let accept: () => void = () => {};
    api.promote.mockImplementationOnce(
      () =>
        new Promise(resolve => {
          accept = () =>
            resolve({
              kind: 'commit',
              image: 'registry.example/payments-refunds:1.4.2',
              message:
                'Promoted registry.example/payments-refunds:1.4.2 to staging: commit 1a2b3c4d',
              url: 'https://gitlab.example/commit/1a2b3c4d',
            });
        }),
    );
    await userEvent.click(
      await dev.findByRole('button', { name: /^Promote .*to staging$/ }),
    );
    expect(dev.getByRole('button', { name: 'Promoting…' })).toBeDisabled();
    await act(async () => accept());
    expect(api.promote).toHaveBeenCalledWith(ENTITY_REF, {
      from: 'development',
      to: 'staging',
    });
    expect(
      await dev.findByText(
        /Promoted registry.example\/payments-refunds:1.4.2 to staging/,
      ),
    ).toBeInTheDocument();
    // Backstage's Link names an external link "…, Opens in a new window".
    expect(dev.getByRole('link', { name: /^See the commit/ })).toHaveAttribute(
      'href',
      'https://gitlab.example/commit/1a2b3c4d',
    );
    await waitFor(() => {
      expect(api.getDeploymentStatus).toHaveBeenCalledTimes(2);
      expect(api.getPendingPromotions).toHaveBeenCalledTimes(2);
    });
  });

  it("shows the backend's refusal, such as an image that is not running healthy", async () => {
    const api = fakeDeploymentApi(twoEnvironments());
    api.promote.mockRejectedValueOnce(
      new DeploymentRequestError(
        'Not promoted: development is not running healthy, pod payments-refunds-1 is CrashLoopBackOff (4 restarts).',
        409,
        'ConflictError',
      ),
    );
    renderForEntity(<EntityDeploymentContent />, { api });
    const dev = within(await screen.findByRole('region', { name: DEV_TITLE }));
    await userEvent.click(
      await dev.findByRole('button', { name: /^Promote .*to staging$/ }),
    );
    expect(
      await dev.findByText(
        'Not promoted: development is not running healthy, pod payments-refunds-1 is CrashLoopBackOff (4 restarts).',
      ),
    ).toBeInTheDocument();
    expect(api.getDeploymentStatus).toHaveBeenCalledTimes(1);
  });

  it('lists pending promotions with their merge requests', async () => {
    const api = fakeDeploymentApi(twoEnvironments());
    api.getPendingPromotions.mockResolvedValue([
      {
        environment: 'production',
        title: 'Promote payments-refunds 1.4.2 to production',
        url: 'https://gitlab.example/mr/7',
        iid: 7,
        createdAt: new Date().toISOString(),
        author: 'idp-portal',
      },
    ]);
    renderForEntity(<EntityDeploymentContent />, { api });
    const link = await screen.findByRole('link', {
      name: /^Promote payments-refunds 1\.4\.2 to production \(!7\)/,
    });
    expect(link).toHaveAttribute('href', 'https://gitlab.example/mr/7');
    expect(
      screen.getByText(/waiting for approval in\s+GitLab/),
    ).toBeInTheDocument();
  });

  it('offers nothing to change to someone who may not act', async () => {
    const permission = permissionApi(DENY);
    // usePermission caches decisions per entity ref: an entity of its own.
    renderForEntity(<EntityDeploymentContent />, {
      api: fakeDeploymentApi(twoEnvironments()),
      permission,
      entity: {
        ...annotatedEntity,
        metadata: {
          ...annotatedEntity.metadata,
          name: 'denied-envs',
          annotations: { 'backstage.io/kubernetes-id': 'denied-envs' },
        },
      },
    });
    await screen.findByRole('region', { name: DEV_TITLE });
    await waitFor(() => expect(permission.authorize).toHaveBeenCalled());
    await act(async () => {});
    expect(screen.queryByRole('button', { name: /^Promote/ })).toBeNull();
    expect(
      screen.queryByRole('link', { name: 'Add an environment' }),
    ).toBeNull();
    expect(screen.queryByRole('form', { name: 'New preview' })).toBeNull();
  });

  describe('previews', () => {
    const withPreview = () => {
      const status = twoEnvironments();
      status.clusters[0].environments.unshift(
        environment({
          name: 'payments-refunds-preview-mr-42',
          environment: 'development',
          namespace: 'team-payments-payments-refunds-preview-mr-42',
          preview: {
            name: 'mr-42',
            branch: 'feature/refund-limits',
            mergeRequest: 42,
            expiresAt: new Date(
              Date.now() + 5 * 3_600_000 + 60_000,
            ).toISOString(),
            image:
              'registry.acme.example/idp/team-payments/payments-refunds:mr-42-3f2c1a9',
          },
        }),
      );
      return status;
    };

    it('shows a preview after the environments, with its branch and expiry, never as a promotion source', async () => {
      const api = fakeDeploymentApi(withPreview());
      renderForEntity(<EntityDeploymentContent />, { api });
      const preview = within(
        await screen.findByRole('region', {
          name: 'preview mr-42 · dev-cluster · team-payments-payments-refunds-preview-mr-42',
        }),
      );
      expect(preview.getByText(/Preview of branch/).textContent).toMatch(
        /^Preview of branch feature\/refund-limits \(merge request !42\), image registry\.acme\.example\/idp\/team-payments\/payments-refunds:mr-42-3f2c1a9 · expires in 5h \(/,
      );
      expect(preview.queryByRole('button', { name: /Promote/ })).toBeNull();
      const bar = within(screen.getByRole('region', { name: 'Environments' }));
      expect(bar.getByText('development → staging')).toBeInTheDocument();
      expect(bar.getByText(/and a preview: mr-42/)).toBeInTheDocument();
      const titles = screen
        .getAllByRole('region')
        .map(r => r.getAttribute('aria-label'))
        .filter(t => t?.includes(' · '));
      expect(titles.at(-1)).toMatch(/^preview mr-42/);

      await userEvent.click(
        preview.getByRole('button', { name: 'Remove preview' }),
      );
      await waitFor(() =>
        expect(api.removePreview).toHaveBeenCalledWith(ENTITY_REF, 'mr-42'),
      );
      expect(
        await preview.findByText('Preview mr-42 is being removed'),
      ).toBeInTheDocument();
    });

    it('creates a preview of a branch, refusing what git would refuse before asking', async () => {
      const api = fakeDeploymentApi(twoEnvironments());
      renderForEntity(<EntityDeploymentContent />, { api });
      const form = within(
        await screen.findByRole('form', { name: 'New preview' }),
      );
      const field = form.getByRole('textbox', { name: 'Branch to preview' });
      await userEvent.type(field, 'feature/a..b');
      await userEvent.click(
        form.getByRole('button', { name: 'Create preview' }),
      );
      expect(
        form.getByText(/The branch is not a git branch name/),
      ).toBeInTheDocument();
      expect(api.createPreview).not.toHaveBeenCalled();

      await userEvent.clear(field);
      await userEvent.type(field, 'feature/refund-limits');
      await userEvent.click(
        form.getByRole('button', { name: 'Create preview' }),
      );
      await waitFor(() =>
        expect(api.createPreview).toHaveBeenCalledWith(ENTITY_REF, {
          branch: 'feature/refund-limits',
        }),
      );
      expect(
        await form.findByText('Preview of feature/refund-limits created'),
      ).toBeInTheDocument();
    });

    it("shows the backend's refusal", async () => {
      const api = fakeDeploymentApi(twoEnvironments());
      api.createPreview.mockRejectedValue(
        new DeploymentRequestError(
          'Invalid preview: ttlHours: must be more than 0 and at most 168 (deployment.previews.maxTtlHours); it is 500',
          400,
        ),
      );
      renderForEntity(<EntityDeploymentContent />, { api });
      const form = within(
        await screen.findByRole('form', { name: 'New preview' }),
      );
      await userEvent.type(
        form.getByRole('textbox', { name: 'Branch to preview' }),
        'x',
      );
      await userEvent.click(
        form.getByRole('button', { name: 'Create preview' }),
      );
      expect(await form.findByText(/at most 168/)).toBeInTheDocument();
    });
  });
});

describe('expiryText', () => {
  const now = Date.parse('2026-12-04T10:00:00Z');
  it('says how long a preview has left, in days and hours past two days', () => {
    expect(expiryText('2026-12-07T09:59:00Z', now)).toBe(
      'expires in 2d 23h (2026-12-07 09:59 UTC)',
    );
    expect(expiryText('2026-12-04T15:00:00Z', now)).toBe(
      'expires in 5h (2026-12-04 15:00 UTC)',
    );
    expect(expiryText('2026-12-04T09:55:00Z', now)).toBe(
      'expired 5m ago (2026-12-04 09:55 UTC); the portal removes it shortly',
    );
    expect(expiryText('soon', now)).toBe('no readable expiry');
  });
});
