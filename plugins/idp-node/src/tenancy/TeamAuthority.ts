import { Config } from '@backstage/config';
import {
  AuthService,
  BackstageCredentials,
} from '@backstage/backend-plugin-api';
import {
  Entity,
  RELATION_MEMBER_OF,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { InputError, NotAllowedError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { RoleMapping } from '../access/RoleMapping';
import { readIdpConfig } from '../config/readIdpConfig';
import { TEAM_NAMESPACE, teamGitLabGroup } from '../naming';

/** Who started a golden path, as the catalog knows them. */
export interface Actor {
  /** `user:default/diego.alvarez`. */
  userRef: string;
  /** Every group the catalog says the user is a direct member of. */
  groups: string[];
  /** True when one of those groups maps to the platform-engineer role (`idp.access.roles`). */
  platformEngineer: boolean;
}

/** A team an action may act for, verified against the catalog for one actor. */
export interface VerifiedTeam {
  /** `group:default/team-payments`. */
  ref: string;
  /** `team-payments`: the XR's spec.team, the namespace prefix, the RoleBinding subject. */
  name: string;
  /** `idp/team-payments`: where the team's GitLab projects live. */
  gitlabGroup: string;
  /** Why the actor may act for it. */
  grantedBy: 'membership' | 'platform-engineer';
}

/**
 * Decides, on the server and from the catalog only, which team a golden-path action acts for.
 * What a template's form sends is a claim; this checks it: the owner must be an existing catalog
 * Group of type team (in the default namespace), and the user who started the task must be a
 * member of it, unless they are a platform engineer, who may act for any team. Users and Groups
 * come only from the platform's own catalog locations and the org sync (the catalog's tenancy
 * rules), so the facts read here are the platform's, not something a developer registered.
 *
 * Reads go through the portal's own service credentials: who owns what must not depend on what
 * the user happens to be allowed to read.
 *
 * @public
 */
export class TeamAuthority {
  static fromConfig(
    config: Config,
    deps: { catalog: CatalogService; auth: AuthService },
  ): TeamAuthority {
    const idp = readIdpConfig(config);
    return new TeamAuthority(
      deps.catalog,
      () => deps.auth.getOwnServiceCredentials(),
      idp.access.roles,
      idp.gitlab.teamsGroup,
    );
  }

  constructor(
    private readonly catalog: CatalogService,
    private readonly credentials: () => Promise<BackstageCredentials>,
    private readonly roles: RoleMapping,
    /** `idp.gitlab.teamsGroup`. */
    readonly teamsGroup: string,
  ) {}

  /** The user's groups and roles, from their catalog User entity's memberOf relations. */
  async actor(userRef: string | undefined): Promise<Actor> {
    if (!userRef) {
      throw new NotAllowedError(
        'This task has no signed-in user, so there is no team membership to check; golden paths must be started by a person',
      );
    }
    const ref = stringifyEntityRef(parseEntityRef(userRef));
    const user = await this.catalog.getEntityByRef(ref, {
      credentials: await this.credentials(),
    });
    if (!user || user.kind.toLocaleLowerCase('en-US') !== 'user') {
      throw new NotAllowedError(
        `${ref} is not a User in the catalog, so the portal cannot tell which teams they belong to`,
      );
    }
    const groups = (user.relations ?? [])
      .filter(r => r.type === RELATION_MEMBER_OF)
      .map(r => r.targetRef.toLocaleLowerCase('en-US'));
    return {
      userRef: ref,
      groups,
      platformEngineer: this.roles
        .rolesOf([ref, ...groups])
        .roles.includes('platform-engineer'),
    };
  }

  /**
   * The team `owner` names, if the actor may act for it. `field` names the input in errors.
   * Throws InputError for an owner that is not a team, NotAllowedError for a team the actor is
   * not in.
   */
  async verifyTeam(
    owner: string,
    actor: Actor,
    field = 'owner',
  ): Promise<VerifiedTeam> {
    const team = await this.findTeam(owner, field);
    if (actor.platformEngineer) {
      return { ...team, grantedBy: 'platform-engineer' };
    }
    if (!actor.groups.includes(team.ref)) {
      const own = await this.teamsOf(actor);
      throw new NotAllowedError(
        `${field}: ${actor.userRef} is not a member of ${team.ref}. Developers may act only for ` +
          `their own teams (${
            own.map(t => t.name).join(', ') || 'none'
          }); platform engineers may act for any team`,
      );
    }
    return { ...team, grantedBy: 'membership' };
  }

  /** The teams an actor belongs to (Groups of type team among their groups). */
  async teamsOf(actor: Actor): Promise<Array<{ ref: string; name: string }>> {
    const teams = await this.allTeams();
    return teams.filter(t => actor.groups.includes(t.ref));
  }

  /** Every team in the catalog (Groups of type team in the default namespace). */
  async allTeams(): Promise<Array<{ ref: string; name: string }>> {
    const { items } = await this.catalog.getEntities(
      {
        filter: {
          kind: 'Group',
          'spec.type': 'team',
          'metadata.namespace': TEAM_NAMESPACE,
        },
        fields: ['kind', 'metadata.name', 'metadata.namespace'],
      },
      { credentials: await this.credentials() },
    );
    return items.map(e => ({
      ref: stringifyEntityRef(e).toLocaleLowerCase('en-US'),
      name: e.metadata.name,
    }));
  }

  private async findTeam(
    owner: string,
    field: string,
  ): Promise<Omit<VerifiedTeam, 'grantedBy'>> {
    let parsed;
    try {
      parsed = parseEntityRef(String(owner ?? '').trim(), {
        defaultKind: 'group',
        defaultNamespace: TEAM_NAMESPACE,
      });
    } catch (e) {
      throw new InputError(
        `Invalid input. ${field}: '${owner}' is not an entity reference; choose a team (group:${TEAM_NAMESPACE}/<team>)`,
      );
    }
    const ref = stringifyEntityRef(parsed).toLocaleLowerCase('en-US');
    if (parsed.kind.toLocaleLowerCase('en-US') !== 'group') {
      throw new InputError(
        `Invalid input. ${field}: ${ref} is not a team; a service is owned by a team Group (group:${TEAM_NAMESPACE}/<team>)`,
      );
    }
    if (parsed.namespace.toLocaleLowerCase('en-US') !== TEAM_NAMESPACE) {
      throw new InputError(
        `Invalid input. ${field}: ${ref} is not a team; teams are Groups in the '${TEAM_NAMESPACE}' namespace`,
      );
    }
    const entity: Entity | undefined = await this.catalog.getEntityByRef(ref, {
      credentials: await this.credentials(),
    });
    if (!entity) {
      throw new InputError(
        `Invalid input. ${field}: ${ref} is not in the catalog; choose an existing team`,
      );
    }
    const type = String((entity.spec as any)?.type ?? '');
    if (type !== 'team') {
      throw new InputError(
        `Invalid input. ${field}: ${ref} is a Group of type '${
          type || 'none'
        }', not a team; services are owned by teams`,
      );
    }
    const name = entity.metadata.name;
    return {
      ref,
      name,
      gitlabGroup: teamGitLabGroup(name, this.teamsGroup),
    };
  }
}
