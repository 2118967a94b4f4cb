import type { DiscoveryApi, IdentityApi } from '@backstage/frontend-plugin-api';

/** The portal's roles, as `GET /api/auth/local-users` names them. */
export type LocalUserRole =
  | 'platform-engineer'
  | 'developer'
  | 'manager'
  | 'auditor';

/** One sample user of local mode (`GET /api/auth/local-users`). */
export type LocalUser = {
  userEntityRef: string;
  displayName: string;
  email?: string;
  picture?: string;
  groups: string[];
  roles: LocalUserRole[];
};

/** What people read for each role. */
export const ROLE_TITLES: Record<LocalUserRole, string> = {
  'platform-engineer': 'Platform engineer',
  developer: 'Developer',
  manager: 'Manager',
  auditor: 'Auditor',
};

/** The auth backend's provider for local mode's sample users (proxy style). */
export const LOCAL_PROVIDER_ID = 'local';
/** The header that names the sample user to sign in as. */
export const LOCAL_USER_HEADER = 'x-idp-local-user';
/** Where the chosen sample user is remembered, so a reload keeps the session. */
export const LOCAL_USER_STORAGE_KEY = 'idp-portal:local-sign-in:user';

/**
 * Asks the auth backend for local mode's sample users. `undefined` means the portal is not in
 * local mode (404: the endpoint only exists there); any other failure is thrown, so a backend
 * that is still starting is not mistaken for production.
 *
 * Plain `fetch`, not the fetch API: nobody is signed in yet, and the fetch API would wait for an
 * identity to attach a token.
 */
export async function fetchLocalUsers(
  discoveryApi: Pick<DiscoveryApi, 'getBaseUrl'>,
): Promise<LocalUser[] | undefined> {
  const baseUrl = await discoveryApi.getBaseUrl('auth');
  const response = await fetch(`${baseUrl}/local-users`);
  if (response.status === 404) {
    return undefined;
  }
  if (!response.ok) {
    throw new Error(
      `The portal's backend did not list the sample users (${response.status} ${response.statusText})`,
    );
  }
  const body = (await response.json()) as { users?: LocalUser[] };
  return body.users ?? [];
}

export function rememberedLocalUser(): string | undefined {
  try {
    return window.localStorage.getItem(LOCAL_USER_STORAGE_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

export function rememberLocalUser(userEntityRef: string | undefined) {
  try {
    if (userEntityRef) {
      window.localStorage.setItem(LOCAL_USER_STORAGE_KEY, userEntityRef);
    } else {
      window.localStorage.removeItem(LOCAL_USER_STORAGE_KEY);
    }
  } catch {
    // Storage unavailable (private mode): the choice is simply not remembered.
  }
}

/**
 * The signed-in sample user's identity: signing out forgets the choice, so the app's reload
 * after sign-out lands on the picker again instead of signing the same user back in.
 */
export function forgetOnSignOut(identity: IdentityApi): IdentityApi {
  return {
    getProfileInfo: () => identity.getProfileInfo(),
    getBackstageIdentity: () => identity.getBackstageIdentity(),
    getCredentials: () => identity.getCredentials(),
    signOut: async () => {
      rememberLocalUser(undefined);
      await identity.signOut();
    },
  };
}

/** A backend error's own message: the `ResponseError` of a failed sign-in carries it as `cause`. */
export function errorMessage(error: Error): string {
  const cause = (error as Error & { cause?: unknown }).cause;
  if (cause instanceof Error && cause.message) {
    return cause.message;
  }
  if (
    cause &&
    typeof cause === 'object' &&
    typeof (cause as { message?: unknown }).message === 'string'
  ) {
    return (cause as { message: string }).message;
  }
  return error.message;
}
