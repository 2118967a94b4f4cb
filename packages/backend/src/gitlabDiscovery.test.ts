import request from 'supertest';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import gitlabCatalogModule from '@backstage/plugin-catalog-backend-module-gitlab';
import catalogModuleIdpTenancy from '@internal/plugin-catalog-backend-module-idp';
import { GitLabDouble, startGitLabDouble } from '@internal/test-platform';

// Catalog ingestion from GitLab as app-config.gitlab-discovery.yaml switches it on: Backstage's
// GitLab discovery provider, pointed at a self-hosted GitLab under a sub-path (the test double,
// with real git repositories), finds catalog-info.yaml files and registers their entities, held to
// the portal's tenancy rules (plugins/catalog-backend-module-idp) like a registered location.
jest.setTimeout(90_000);

describe('GitLab catalog discovery', () => {
  let gitlab: GitLabDouble;

  beforeAll(async () => {
    gitlab = await startGitLabDouble({ basePath: '/gitlab' });
    gitlab.addGroup({ path: 'idp', name: 'IDP' });
    gitlab.addGroup({ path: 'team-payments', parent: 'idp' });
    const project = await gitlab.addProject({
      namespace: 'idp/team-payments',
      path: 'payments-refunds',
      default_branch: 'main',
      initialize_with_readme: true,
    });
    // A second project without a catalog file is skipped.
    await gitlab.addProject({
      namespace: 'idp/team-payments',
      path: 'scratch',
      default_branch: 'main',
      initialize_with_readme: true,
    });
    const res = await fetch(
      `${gitlab.apiBaseUrl}/projects/${project.id}/repository/commits`,
      {
        method: 'POST',
        headers: {
          'PRIVATE-TOKEN': gitlab.rootToken,
          'Content-Type': 'application/json',
        },
        body: JSON.stringify({
          branch: 'main',
          commit_message: 'Add catalog-info.yaml',
          actions: [
            {
              action: 'create',
              file_path: 'catalog-info.yaml',
              content: [
                'apiVersion: backstage.io/v1alpha1',
                'kind: Component',
                'metadata:',
                '  name: payments-refunds',
                '  annotations:',
                '    gitlab.com/project-slug: idp/team-payments/payments-refunds',
                'spec:',
                '  type: service',
                '  lifecycle: experimental',
                '  owner: team-payments',
              ].join('\n'),
            },
          ],
        }),
      },
    );
    if (res.status !== 201) {
      throw new Error(
        `seeding catalog-info.yaml failed: ${res.status} ${await res.text()}`,
      );
    }
  });

  afterAll(async () => {
    await gitlab?.stop();
  });

  it('registers the entities of every catalog-info.yaml under the configured group', async () => {
    const backend = await startTestBackend({
      features: [
        catalogPlugin,
        gitlabCatalogModule,
        catalogModuleIdpTenancy,
        mockServices.rootConfig.factory({
          data: {
            integrations: {
              gitlab: [gitlab.integrationConfig()],
            },
            idp: { gitlab: { host: gitlab.host } },
            catalog: {
              rules: [{ allow: ['Component', 'Location'] }],
              processingInterval: { seconds: 1 },
              providers: {
                gitlab: {
                  projects: {
                    host: gitlab.host,
                    group: 'idp',
                    entityFilename: 'catalog-info.yaml',
                    schedule: {
                      frequency: { seconds: 2 },
                      timeout: { seconds: 30 },
                    },
                  },
                },
              },
            },
          },
        }),
      ],
    });
    try {
      const deadline = Date.now() + 60_000;
      let entity: any;
      while (!entity && Date.now() < deadline) {
        const res = await request(backend.server)
          .get(
            '/api/catalog/entities/by-name/component/default/payments-refunds',
          )
          .set('Authorization', mockCredentials.user.header());
        if (res.status === 200) entity = res.body;
        else await new Promise(r => setTimeout(r, 500));
      }
      expect(entity?.spec).toMatchObject({ owner: 'team-payments' });
      // The entity came from the file in the real repository, under the sub-path.
      expect(
        entity.metadata.annotations['backstage.io/managed-by-location'],
      ).toBe(
        `url:${gitlab.baseUrl}/idp/team-payments/payments-refunds/-/blob/main/catalog-info.yaml`,
      );
      const projectsWithoutFile = await request(backend.server)
        .get('/api/catalog/entities/by-query?filter=kind=location')
        .set('Authorization', mockCredentials.user.header());
      const targets = JSON.stringify(projectsWithoutFile.body);
      expect(targets).not.toContain('/scratch/');
    } finally {
      await backend.stop();
    }
  });
});
