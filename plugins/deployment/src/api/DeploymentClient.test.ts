import { mockApis } from '@backstage/frontend-test-utils';
import { healthyStatus } from '../__fixtures__/deploymentStatus';
import { DeploymentClient, DeploymentRequestError } from './DeploymentClient';

const BASE = 'http://backstage.test/api/deployment';
const ENTITY = {
  kind: 'Component',
  namespace: 'default',
  name: 'payments-refunds',
};

function clientAnswering(response: Response) {
  const fetch = jest.fn(
    async (_input: RequestInfo | URL, _init?: RequestInit) => response.clone(),
  );
  const discoveryApi = mockApis.discovery.mock({
    getBaseUrl: async () => BASE,
  });
  const client = new DeploymentClient({
    discoveryApi,
    fetchApi: { fetch: fetch as typeof globalThis.fetch },
  });
  return { client, fetch, discoveryApi };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });

describe('DeploymentClient', () => {
  it('reads the status from the URL discovery gives, with the ref lowercased', async () => {
    const status = healthyStatus();
    const { client, fetch, discoveryApi } = clientAnswering(json(200, status));
    await expect(client.getDeploymentStatus(ENTITY)).resolves.toEqual(status);
    expect(discoveryApi.getBaseUrl).toHaveBeenCalledWith('deployment');
    expect(fetch).toHaveBeenCalledWith(
      `${BASE}/entities/default/component/payments-refunds`,
      expect.objectContaining({ headers: { Accept: 'application/json' } }),
    );
  });

  it('encodes the parts of the ref', async () => {
    const { client, fetch } = clientAnswering(json(200, healthyStatus()));
    await client.getDeploymentStatus({
      kind: 'Component',
      namespace: 'team a',
      name: 'x/y',
    });
    expect(fetch.mock.calls[0][0]).toBe(
      `${BASE}/entities/team%20a/component/x%2Fy`,
    );
  });

  it("surfaces the backend's error message and status", async () => {
    const { client } = clientAnswering(
      json(404, {
        error: {
          name: 'NotFoundError',
          message:
            'No entity component:default/payments-refunds in the catalog',
        },
        response: { statusCode: 404 },
      }),
    );
    const error = await client.getDeploymentStatus(ENTITY).catch(e => e);
    expect(error).toBeInstanceOf(DeploymentRequestError);
    expect(error.message).toBe(
      'No entity component:default/payments-refunds in the catalog',
    );
    expect(error.status).toBe(404);
    expect(error.errorName).toBe('NotFoundError');
  });

  it('explains a failure without Backstage error JSON', async () => {
    const { client } = clientAnswering(
      new Response('upstream connect error', {
        status: 502,
        statusText: 'Bad Gateway',
      }),
    );
    await expect(client.getDeploymentStatus(ENTITY)).rejects.toThrow(
      'The deployment backend answered 502 Bad Gateway: upstream connect error',
    );
  });

  it('refuses an HTML page instead of JSON', async () => {
    const { client } = clientAnswering(
      new Response('<!doctype html><html></html>', { status: 200 }),
    );
    await expect(client.getDeploymentStatus(ENTITY)).rejects.toThrow(
      'The deployment backend sent an unreadable answer (HTTP 200)',
    );
  });

  it('posts an action as JSON and returns the message', async () => {
    const { client, fetch } = clientAnswering(
      json(202, { message: 'Sync of payments-refunds-development started' }),
    );
    await expect(
      client.requestAction(ENTITY, {
        action: 'sync',
        cluster: 'dev-cluster',
        application: 'payments-refunds-development',
      }),
    ).resolves.toEqual({
      message: 'Sync of payments-refunds-development started',
    });
    const [url, init] = fetch.mock.calls[0];
    expect(url).toBe(
      `${BASE}/entities/default/component/payments-refunds/actions`,
    );
    expect(init?.method).toBe('POST');
    expect(init?.headers).toMatchObject({
      'Content-Type': 'application/json',
    });
    expect(JSON.parse(String(init?.body))).toEqual({
      action: 'sync',
      cluster: 'dev-cluster',
      application: 'payments-refunds-development',
    });
  });

  it("surfaces a 403's message for an action", async () => {
    const { client } = clientAnswering(
      json(403, {
        error: {
          name: 'NotAllowedError',
          message:
            'You may not sync the Argo CD Applications of component:default/payments-refunds: only its owners and platform engineers may',
        },
      }),
    );
    const error = await client
      .requestAction(ENTITY, {
        action: 'sync',
        cluster: 'dev-cluster',
        application: 'payments-refunds-development',
      })
      .catch(e => e);
    expect(error).toBeInstanceOf(DeploymentRequestError);
    expect(error.status).toBe(403);
    expect(error.message).toMatch(/^You may not sync/);
  });
});
