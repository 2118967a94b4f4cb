import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { ConflictError, NotAllowedError } from '@backstage/errors';
import type { GitlabProfile } from '@backstage/plugin-auth-backend-module-gitlab-provider';
import {
  AuthResolverCatalogUserQuery,
  AuthResolverContext,
  createSignInResolverFactory,
  OAuthAuthenticatorResult,
} from '@backstage/plugin-auth-node';

/**
 * Finds the one catalog User a query matches, or undefined when none does. A lookup that matches
 * several Users is a catalog mistake the person signing in cannot fix, so it is reported as such.
 */
async function findUser(
  ctx: AuthResolverContext,
  query: AuthResolverCatalogUserQuery,
  describe: string,
): Promise<Entity | undefined> {
  try {
    return (await ctx.findCatalogUser(query)).entity;
  } catch (error) {
    const name = (error as Error)?.name;
    if (name === 'NotFoundError') return undefined;
    if (name === 'ConflictError') {
      throw new ConflictError(
        `More than one catalog User matches ${describe}, so the portal cannot tell who you are. Ask the platform team to fix the catalog.`,
      );
    }
    throw error;
  }
}

/**
 * Sign-in resolver for the GitLab provider (available as `idpCatalogUser`): signs a GitLab user in
 * as their catalog User, with the User and its groups as ownership refs, so roles from group
 * membership apply from the first request.
 *
 * The User is found by the `<gitlab host>/user-login` annotation that Backstage's GitLab org
 * provider writes (its value is the account's profile URL), and otherwise by a User named like
 * the GitLab username, which is how catalog-info/org.yaml names people.
 *
 * Someone GitLab knows but the catalog does not is refused with a message that names the account
 * and says what to do. The error is a NotAllowedError on purpose: a NotFoundError would make
 * Backstage try the next resolver and, after the last one, replace the message with its generic
 * "unable to resolve user identity"; any other error's name and message reach the sign-in
 * popup unchanged.
 *
 * @public
 */
export const gitlabUserResolver = createSignInResolverFactory({
  create() {
    return async (
      info: { result: OAuthAuthenticatorResult<GitlabProfile> },
      ctx: AuthResolverContext,
    ) => {
      const { username, profileUrl } = info.result.fullProfile;
      if (!username) {
        throw new NotAllowedError(
          'GitLab did not tell the portal your username, so it cannot find you in its catalog. Try signing in again; if it keeps happening, ask the platform team.',
        );
      }

      let entity: Entity | undefined;
      if (profileUrl) {
        // The org provider keys the annotation by the integration's host, which is the host
        // of GitLab's own URLs, and stores the account's web URL in it.
        const annotation = `${new URL(profileUrl).host}/user-login`;
        entity = await findUser(
          ctx,
          { annotations: { [annotation]: profileUrl } },
          `${annotation}: ${profileUrl}`,
        );
      }
      entity ??= await findUser(
        ctx,
        { entityRef: { kind: 'User', namespace: 'default', name: username } },
        `the name '${username}'`,
      );
      if (!entity) {
        throw new NotAllowedError(
          `You signed in to GitLab as '${username}', but the portal's catalog has no User for '${username}'. Ask the platform team to add you (GitLab group sync or catalog-info/org.yaml).`,
        );
      }

      const { ownershipEntityRefs } = await ctx.resolveOwnershipEntityRefs(
        entity,
      );
      return ctx.issueToken({
        claims: { sub: stringifyEntityRef(entity), ent: ownershipEntityRefs },
      });
    };
  },
});
