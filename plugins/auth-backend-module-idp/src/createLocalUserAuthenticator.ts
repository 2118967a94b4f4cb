import { AuthService } from '@backstage/backend-plugin-api';
import {
  Entity,
  makeValidator,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  AuthenticationError,
  InputError,
  NotFoundError,
} from '@backstage/errors';
import { createProxyAuthenticator } from '@backstage/plugin-auth-node';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { LOCAL_USER_HEADER } from './localUserHeader';

/**
 * The proxy authenticator of local mode's `local` provider: the sample user to sign in as is
 * named in the `x-idp-local-user` header, and must be a User in the catalog. Each refusal says
 * what was wrong and what to send instead, because whoever sees it is trying the portal locally
 * and can fix it at once.
 *
 * The User is looked up here rather than in the sign-in resolver so that the profile and the
 * token come from one catalog read.
 *
 * @internal
 */
export function createLocalUserAuthenticator(options: {
  catalog: CatalogService;
  auth: AuthService;
}) {
  const { catalog, auth } = options;
  const validator = makeValidator();
  return createProxyAuthenticator({
    defaultProfileTransform: async (result: { entity: Entity }) => {
      const profile = (result.entity.spec?.profile ?? {}) as {
        displayName?: string;
        email?: string;
        picture?: string;
      };
      return {
        profile: {
          displayName:
            profile.displayName ??
            result.entity.metadata.title ??
            result.entity.metadata.name,
          email: profile.email,
          picture: profile.picture,
        },
      };
    },
    initialize() {},
    async authenticate({ req }) {
      const value = req.header(LOCAL_USER_HEADER)?.trim();
      if (!value) {
        throw new AuthenticationError(
          `Local sign-in needs the ${LOCAL_USER_HEADER} header naming the catalog User to sign in as, e.g. '${LOCAL_USER_HEADER}: user:default/priya.sharma'. Pick a sample user on the sign-in page.`,
        );
      }
      let ref: string;
      try {
        const parsed = parseEntityRef(value, {
          defaultKind: 'user',
          defaultNamespace: 'default',
        });
        // parseEntityRef splits but does not check the parts (a name may contain '/').
        if (
          !validator.isValidNamespace(parsed.namespace) ||
          !validator.isValidEntityName(parsed.name)
        ) {
          throw new Error('invalid name');
        }
        ref = stringifyEntityRef(parsed);
      } catch {
        throw new InputError(
          `${LOCAL_USER_HEADER}: '${value}' is not an entity reference; expected user:default/<name>.`,
        );
      }
      if (!ref.startsWith('user:')) {
        throw new InputError(
          `${LOCAL_USER_HEADER}: '${value}' is not a User; local sign-in signs in as a catalog User (user:default/<name>).`,
        );
      }
      const entity = await catalog.getEntityByRef(ref, {
        credentials: await auth.getOwnServiceCredentials(),
      });
      if (!entity) {
        throw new NotFoundError(
          `There is no User '${ref}' in the catalog, so local sign-in cannot sign you in as it. Pick one of the users GET /api/auth/local-users lists (the sample users are in catalog-info/org.yaml).`,
        );
      }
      return { result: { entity } };
    },
  });
}
