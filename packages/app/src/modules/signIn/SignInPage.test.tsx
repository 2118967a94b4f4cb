import { act, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { gitlabAuthApiRef } from '@backstage/core-plugin-api';
import type { IdentityApi } from '@backstage/frontend-plugin-api';
import { SignInPage } from './SignInPage';
import { LOCAL_USER_STORAGE_KEY, LocalUser } from './localUsers';

const BACKEND = 'http://backend.test';

const users: LocalUser[] = [
  {
    userEntityRef: 'user:default/priya.sharma',
    displayName: 'Priya Sharma',
    email: 'priya.sharma@acme.example',
    groups: ['group:default/platform-team'],
    roles: ['platform-engineer'],
  },
  {
    userEntityRef: 'user:default/morgan.lee',
    displayName: 'Morgan Lee',
    groups: ['group:default/engineering-leadership'],
    roles: ['manager'],
  },
  {
    userEntityRef: 'user:default/sam.visitor',
    displayName: 'Sam Visitor',
    groups: [],
    roles: [],
  },
];

/** A Backstage token whose payload has an expiry an hour from now. */
function token(sub: string) {
  const payload = Buffer.from(
    JSON.stringify({ sub, exp: Math.floor(Date.now() / 1000) + 3600 }),
  ).toString('base64url');
  return `e30.${payload}.signature`;
}

function json(body: unknown, status = 200) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}

function session(userEntityRef: string) {
  return json({
    profile: { displayName: 'Morgan Lee' },
    backstageIdentity: {
      token: token(userEntityRef),
      identity: {
        type: 'user',
        userEntityRef,
        ownershipEntityRefs: [
          userEntityRef,
          'group:default/engineering-leadership',
        ],
      },
    },
  });
}

type Route = (url: string, init?: RequestInit) => Response | undefined;

/** Answers the sign-in page's requests; anything else fails the test. */
function mockBackend(...routes: Route[]) {
  return jest.spyOn(global, 'fetch').mockImplementation(async (input, init) => {
    const url = String(input);
    for (const route of routes) {
      const response = route(url, init);
      if (response) return response;
    }
    throw new Error(`unexpected request ${url}`);
  });
}

const localUsers: Route = url =>
  url === `${BACKEND}/api/auth/local-users` ? json({ users }) : undefined;
const noLocalUsers: Route = url =>
  url === `${BACKEND}/api/auth/local-users`
    ? json({ error: { name: 'NotFoundError', message: 'Not found' } }, 404)
    : undefined;

function refreshHeader(fetchMock: jest.SpyInstance) {
  const call = fetchMock.mock.calls.find(([url]) =>
    String(url).endsWith('/api/auth/local/refresh'),
  );
  return call && new Headers(call[1]?.headers).get('x-idp-local-user');
}

function renderPage(
  options: {
    environment?: string;
    gitlab?: Partial<(typeof gitlabAuthApiRef)['T']>;
  } = {},
) {
  const onSignInSuccess = jest.fn<void, [IdentityApi]>();
  renderInTestApp(<SignInPage onSignInSuccess={onSignInSuccess} />, {
    apis: [
      mockApis.discovery({ baseUrl: BACKEND }),
      [
        gitlabAuthApiRef,
        options.gitlab ?? {
          getBackstageIdentity: jest.fn(async () => undefined),
        },
      ],
    ],
    config: {
      app: { title: 'Acme Developer Portal' },
      auth: { environment: options.environment ?? 'development' },
    },
  });
  return { onSignInSuccess };
}

describe('SignInPage', () => {
  afterEach(() => {
    jest.restoreAllMocks();
    localStorage.clear();
  });

  it('lists the sample users with their roles and groups', async () => {
    mockBackend(localUsers);
    renderPage();

    expect(await screen.findByText('Who do you want to be?')).toBeVisible();
    expect(screen.getAllByRole('listitem')).toHaveLength(3);
    expect(screen.getByText('Priya Sharma')).toBeVisible();
    expect(screen.getByText('Platform engineer')).toBeVisible();
    expect(screen.getByText('Groups: platform-team')).toBeVisible();
    expect(screen.getByText('Manager')).toBeVisible();
    expect(screen.getByText('No role — read-only catalog')).toBeVisible();
    expect(screen.getByText('In no group')).toBeVisible();
    expect(
      screen.getByRole('button', { name: 'Sign in as Morgan Lee' }),
    ).toHaveAccessibleDescription('Manager Groups: engineering-leadership');
  });

  it('signs in as the chosen user with the header, remembers them, and forgets them on sign-out', async () => {
    const fetchMock = mockBackend(localUsers, url =>
      url === `${BACKEND}/api/auth/local/refresh`
        ? session('user:default/morgan.lee')
        : undefined,
    );
    const { onSignInSuccess } = renderPage();

    // Keyboard only: Tab to the button, Enter.
    const button = await screen.findByRole('button', {
      name: 'Sign in as Morgan Lee',
    });
    act(() => button.focus());
    await userEvent.keyboard('{Enter}');

    await waitFor(() => expect(onSignInSuccess).toHaveBeenCalledTimes(1));
    expect(refreshHeader(fetchMock)).toBe('user:default/morgan.lee');
    const identity = onSignInSuccess.mock.calls[0][0];
    expect((await identity.getBackstageIdentity()).userEntityRef).toBe(
      'user:default/morgan.lee',
    );
    expect(localStorage.getItem(LOCAL_USER_STORAGE_KEY)).toBe(
      'user:default/morgan.lee',
    );

    await identity.signOut();
    expect(localStorage.getItem(LOCAL_USER_STORAGE_KEY)).toBeNull();
  });

  it('signs the remembered user in again after a reload, without the picker', async () => {
    localStorage.setItem(LOCAL_USER_STORAGE_KEY, 'user:default/morgan.lee');
    const fetchMock = mockBackend(localUsers, url =>
      url === `${BACKEND}/api/auth/local/refresh`
        ? session('user:default/morgan.lee')
        : undefined,
    );
    const { onSignInSuccess } = renderPage();

    await waitFor(() => expect(onSignInSuccess).toHaveBeenCalledTimes(1));
    expect(refreshHeader(fetchMock)).toBe('user:default/morgan.lee');
    expect(screen.queryByText('Who do you want to be?')).toBeNull();
  });

  it("shows the backend's refusal and returns to the picker", async () => {
    const message =
      "'user:default/morgan.lee' is not a User in the portal's catalog";
    mockBackend(localUsers, url =>
      url === `${BACKEND}/api/auth/local/refresh`
        ? json(
            {
              error: { name: 'AuthenticationError', message },
              response: { statusCode: 401 },
            },
            401,
          )
        : undefined,
    );
    const { onSignInSuccess } = renderPage();

    await userEvent.click(
      await screen.findByRole('button', { name: 'Sign in as Morgan Lee' }),
    );

    expect(await screen.findByRole('alert')).toHaveTextContent(message);
    expect(
      screen.getByRole('button', { name: 'Sign in as Priya Sharma' }),
    ).toBeVisible();
    expect(onSignInSuccess).not.toHaveBeenCalled();
    expect(localStorage.getItem(LOCAL_USER_STORAGE_KEY)).toBeNull();
  });

  it('offers GitLab when the portal is not in local mode (404)', async () => {
    mockBackend(noLocalUsers);
    renderPage({ environment: 'production' });

    expect(await screen.findByText('GitLab')).toBeVisible();
    expect(screen.getByText('Sign in with your GitLab account')).toBeVisible();
    expect(screen.getByRole('button', { name: /sign in/i })).toBeVisible();
    expect(screen.queryByText('Who do you want to be?')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Enter' })).toBeNull();
  });

  it("shows the backend's message when GitLab sign-in is refused", async () => {
    const message =
      "You signed in to GitLab as 'x', but the portal's catalog has no User for 'x'";
    mockBackend(noLocalUsers);
    const getBackstageIdentity = jest.fn(
      async (options?: { optional?: boolean }) => {
        if (options?.optional) return undefined;
        throw new Error(message);
      },
    );
    renderPage({ environment: 'production', gitlab: { getBackstageIdentity } });

    await userEvent.click(
      await screen.findByRole('button', { name: /sign in/i }),
    );

    expect(await screen.findByText(message)).toBeVisible();
  });

  it('falls back to guest in local mode when the backend has no sample-user sign-in', async () => {
    mockBackend(noLocalUsers);
    renderPage({ environment: 'development' });

    expect(await screen.findByRole('button', { name: 'Enter' })).toBeVisible();
    expect(screen.queryByText('GitLab')).toBeNull();
  });
});
