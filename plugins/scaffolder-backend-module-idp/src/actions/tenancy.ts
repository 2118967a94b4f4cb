import { AuthService } from '@backstage/backend-plugin-api';
import { ConflictError } from '@backstage/errors';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { TeamAuthority, VerifiedTeam } from '@internal/plugin-idp-node';
import { ComponentNames } from '../services/ComponentNames';

/**
 * What the actions decide tenancy with: the team authority (catalog Groups and membership), the
 * component-name claims, and the catalog for names already taken.
 *
 * @public
 */
export interface Tenancy {
  teams: TeamAuthority;
  names: ComponentNames;
  catalog: CatalogService;
  auth: AuthService;
}

/**
 * The team an action acts for: `owner` checked against the catalog for the user who started the
 * task (see TeamAuthority). Every action with an owner calls this before anything else, dry runs
 * included, so a refused owner changes nothing.
 */
export async function verifyOwner(
  tenancy: Tenancy,
  ctx: { user?: { ref?: string } },
  owner: string,
  field = 'owner',
): Promise<VerifiedTeam> {
  const actor = await tenancy.teams.actor(ctx.user?.ref);
  return tenancy.teams.verifyTeam(owner, actor, field);
}

/**
 * Makes sure `name` can be this team's component, and claims it: refused when a catalog
 * Component of that name belongs to another team, or another team holds the claim. Runs before
 * the first side effect of every golden-path action.
 */
export async function claimComponentName(
  tenancy: Tenancy,
  team: VerifiedTeam,
  name: string,
  taskId: string,
  field = 'name',
): Promise<void> {
  const credentials = await tenancy.auth.getOwnServiceCredentials();
  const existing = await tenancy.catalog.getEntityByRef(
    { kind: 'Component', namespace: 'default', name },
    { credentials },
  );
  const owner = String(existing?.spec?.owner ?? '');
  if (existing && !sameGroup(owner, team.ref)) {
    throw new ConflictError(
      `${field}: component:default/${name} already exists in the catalog, owned by ${owner}; names are unique across teams, choose another`,
    );
  }
  await tenancy.names.claim(name, team.name, taskId);
}

/** Whether an owner ref (maybe in short form) names the team `teamRef`. */
function sameGroup(owner: string, teamRef: string): boolean {
  try {
    const ref = parseEntityRef(owner, {
      defaultKind: 'group',
      defaultNamespace: 'default',
    });
    return stringifyEntityRef(ref).toLocaleLowerCase('en-US') === teamRef;
  } catch {
    return false;
  }
}
