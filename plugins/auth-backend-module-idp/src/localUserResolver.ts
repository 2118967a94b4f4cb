import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { SignInResolver } from '@backstage/plugin-auth-node';

/**
 * Signs local mode's sample user in as the catalog User the `local` authenticator found, with the
 * User and its groups as ownership refs (the auth backend's ownership resolution), exactly as a
 * GitLab sign-in of the same person would: the roles tried locally are the real ones.
 *
 * @internal
 */
export const localUserResolver: SignInResolver<{ entity: Entity }> = async (
  { result },
  ctx,
) => {
  const { ownershipEntityRefs } = await ctx.resolveOwnershipEntityRefs(
    result.entity,
  );
  return ctx.issueToken({
    claims: {
      sub: stringifyEntityRef(result.entity),
      ent: ownershipEntityRefs,
    },
  });
};
