import { Config } from '@backstage/config';
import {
  Entity,
  parseEntityRef,
  stringifyEntityRef,
  stringifyLocationRef,
} from '@backstage/catalog-model';
import { NotAllowedError } from '@backstage/errors';
import {
  ScmIntegrationRegistry,
  ScmIntegrations,
} from '@backstage/integration';
import {
  CatalogProcessor,
  CatalogProcessorEmit,
  LocationSpec,
} from '@backstage/plugin-catalog-node';
import { readIdpConfig } from '@internal/plugin-idp-node';
import { GitLabOrgSync } from './GitLabOrgSync';
import { platformLocations } from './platformLocations';
import { TeamProjectFile, TeamProjects } from './TeamProjects';

/** The rules {@link TeamTenancyProcessor} enforces; each refusal names one. */
export type TenancyRule =
  | 'origin'
  | 'owner'
  | 'location-target'
  | 'placeholder'
  | 'org';

/** Placeholders Backstage's PlaceholderProcessor resolves by reading a URL. */
const READING_PLACEHOLDERS = ['$text', '$json', '$yaml'];

function refusal(rule: TenancyRule, message: string): NotAllowedError {
  return new NotAllowedError(`Catalog tenancy rule '${rule}': ${message}`);
}

/** Options of the {@link TeamTenancyProcessor} constructor. */
export interface TeamTenancyProcessorOptions {
  /** Location refs of the platform's own catalog locations (see `platformLocations`). */
  platformLocations: Set<string>;
  /** Where teams' projects live; undefined when no GitLab is configured (idp.gitlab.host). */
  teamProjects?: TeamProjects;
  /** The GitLab org sync, whose Users and Groups are the platform's. */
  orgSync: GitLabOrgSync;
  /** To resolve relative targets the way the catalog does. */
  integrations: ScmIntegrationRegistry;
}

/**
 * The catalog's tenancy rules, for every entity whose origin is not one of the platform's own
 * catalog locations: what a developer registered (Register page, `idp:catalog:register`) or
 * GitLab discovery found.
 *
 * - `origin`: the entity must originate from a file of a project directly in a team's GitLab
 *   group, `<gitlab baseUrl>/<teamsGroup>/<team>/<project>/-/blob/<ref>/<path>`, and have been
 *   read from that same project.
 * - `owner`: its `spec.owner` must be that team, `group:default/<team>` (or a short form that
 *   Backstage resolves to it).
 * - `location-target`: a Location may point only at url targets in the same project.
 * - `placeholder`: `$text`/`$json`/`$yaml` may read only files in the same project.
 * - `org`: Users and Groups come only from the platform's locations and the GitLab org sync.
 *
 * Together with the catalog rules (which kinds each origin may produce) this keeps a developer
 * from registering a User or Group (signing in as someone else, joining platform-team), a
 * Template (running actions with the portal's GitLab token), or entities claiming another team.
 *
 * A refusal throws from `preProcessEntity`, so the entity fails processing: the catalog never
 * stores it (an entity that was accepted before keeps its last accepted version, with the error
 * in its status), and a refused Location reads nothing.
 *
 * Trust comes from the origin location only, which the catalog itself sets: entities read from a
 * file get the origin of the Location that read them, overwriting whatever annotations the file
 * wrote (ProcessorOutputCollector), and a registered location's origin is its own url.
 *
 * @public
 */
export class TeamTenancyProcessor implements CatalogProcessor {
  /** Reads `catalog.locations`, `idp.gitlab.host`/`teamsGroup` and the GitLab org provider. */
  static fromConfig(config: Config): TeamTenancyProcessor {
    const integrations = ScmIntegrations.fromConfig(config);
    const { host, teamsGroup } = readIdpConfig(config).gitlab;
    let teamProjects: TeamProjects | undefined;
    if (host) {
      const integration = integrations.gitlab.byHost(host);
      if (!integration) {
        // Refusing to start beats refusing every registration with a confusing message.
        throw new Error(
          `idp.gitlab.host is '${host}', but integrations.gitlab has no entry for that host; the catalog's tenancy rules need its baseUrl`,
        );
      }
      teamProjects = new TeamProjects(integration.config.baseUrl, teamsGroup);
    }
    return new TeamTenancyProcessor({
      platformLocations: platformLocations(config),
      teamProjects,
      orgSync: GitLabOrgSync.fromConfig(config, integrations),
      integrations,
    });
  }

  constructor(private readonly options: TeamTenancyProcessorOptions) {}

  getProcessorName(): string {
    return 'TeamTenancyProcessor';
  }

  /**
   * Before the built-in processors (default priority 20): a refused entity's placeholders are
   * never read with the portal's GitLab token.
   */
  getPriority(): number {
    return 10;
  }

  /** One line for the start-up log: what the rules allow. */
  describe(): string {
    const { teamProjects, orgSync } = this.options;
    const platform = this.options.platformLocations.size;
    const teams = teamProjects
      ? `files of ${teamProjects.pattern}, owned by group:default/<team>`
      : 'nothing (no idp.gitlab.host)';
    return `Catalog tenancy: entities from outside the platform's ${platform} catalog locations may come from ${teams}; Users and Groups only from the platform's locations${
      orgSync.enabled ? ' and the GitLab org sync' : ''
    }`;
  }

  async preProcessEntity(
    entity: Entity,
    location: LocationSpec,
    _emit: CatalogProcessorEmit,
    originLocation: LocationSpec,
  ): Promise<Entity> {
    if (
      this.options.platformLocations.has(stringifyLocationRef(originLocation))
    ) {
      return entity;
    }
    const ref = stringifyEntityRef(entity);
    const kind = entity.kind.toLocaleLowerCase('en-US');
    if (kind === 'user' || kind === 'group') {
      if (
        originLocation.type === 'url' &&
        this.options.orgSync.isOrgLocation(originLocation.target)
      ) {
        return entity;
      }
      throw refusal(
        'org',
        `${ref} originates at ${stringifyLocationRef(
          originLocation,
        )}. Users and Groups decide who signs in and with which roles, so they come only from the platform's own catalog locations and the GitLab org sync, never from a registered location.`,
      );
    }
    const origin = this.originProject(ref, originLocation);
    this.checkReadFrom(ref, location, origin);
    if (kind === 'location') {
      this.checkLocationTargets(ref, entity, location, origin);
    } else {
      this.checkOwner(ref, entity, origin);
    }
    this.checkPlaceholders(ref, entity, location, origin);
    return entity;
  }

  /** `origin`: the team project the entity was registered from. */
  private originProject(ref: string, origin: LocationSpec): TeamProjectFile {
    const { teamProjects } = this.options;
    const where = stringifyLocationRef(origin);
    if (!teamProjects) {
      throw refusal(
        'origin',
        `${ref} originates at ${where}, which is not one of the platform's catalog locations, and this portal has no GitLab for team repositories (idp.gitlab.host), so only the platform's own locations may add entities.`,
      );
    }
    const parsed =
      origin.type === 'url'
        ? teamProjects.parse(origin.target)
        : { problem: `it is a ${origin.type} location, not a url` };
    if (parsed.problem !== undefined) {
      throw refusal(
        'origin',
        `${ref} originates at ${where}, but ${parsed.problem}. Outside the platform's own catalog locations, entities may be registered only from a file in a team's GitLab project: ${teamProjects.pattern}.`,
      );
    }
    return parsed.file;
  }

  /** `origin`, again: the file the entity was read from is in the origin's project. */
  private checkReadFrom(
    ref: string,
    location: LocationSpec,
    origin: TeamProjectFile,
  ) {
    const parsed =
      location.type === 'url'
        ? this.options.teamProjects!.parse(location.target)
        : undefined;
    if (parsed?.file?.projectPath !== origin.projectPath) {
      throw refusal(
        'origin',
        `${ref} was read from ${stringifyLocationRef(
          location,
        )}, outside the GitLab project it was registered from (${
          origin.projectUrl
        }).`,
      );
    }
  }

  /** `owner`: the team whose project it is. */
  private checkOwner(ref: string, entity: Entity, origin: TeamProjectFile) {
    const expected = `group:default/${origin.team}`;
    const owner = entity.spec?.owner;
    const because = `it is registered from ${origin.projectUrl}, a project of team ${origin.team}, and an entity from a team's project must be owned by that team: spec.owner must be ${expected}.`;
    if (typeof owner !== 'string' || owner.trim() === '') {
      throw refusal('owner', `${ref} has no spec.owner, but ${because}`);
    }
    let resolved: string | undefined;
    try {
      // How Backstage's ownedBy relation resolves it: kind Group and the entity's own namespace
      // by default (BuiltinKindsEntityProcessor).
      resolved = stringifyEntityRef(
        parseEntityRef(owner, {
          defaultKind: 'group',
          defaultNamespace: entity.metadata.namespace ?? 'default',
        }),
      ).toLocaleLowerCase('en-US');
    } catch {
      resolved = undefined;
    }
    if (resolved !== expected) {
      const as =
        resolved && resolved !== owner ? ` (that is, ${resolved})` : '';
      throw refusal(
        'owner',
        `${ref} is owned by '${owner}'${as}, but ${because}`,
      );
    }
  }

  /** `location-target`: a Location points only into its own project. */
  private checkLocationTargets(
    ref: string,
    entity: Entity,
    location: LocationSpec,
    origin: TeamProjectFile,
  ) {
    const spec = (entity.spec ?? {}) as {
      type?: unknown;
      target?: unknown;
      targets?: unknown;
    };
    const allowed = `a Location registered from a team's project may point only at files in that same project, by a relative path or a ${origin.projectUrl}/-/blob/<ref>/<path> URL.`;
    // The catalog's default, too: a Location's type is its own location's when unset.
    const type = spec.type === undefined ? location.type : spec.type;
    if (type !== 'url') {
      throw refusal(
        'location-target',
        `${ref} is a Location of type '${String(type)}', but ${allowed}`,
      );
    }
    const targets = [
      ...(spec.target === undefined ? [] : [spec.target]),
      ...(Array.isArray(spec.targets) ? spec.targets : []),
    ];
    for (const target of targets) {
      if (typeof target !== 'string') {
        throw refusal(
          'location-target',
          `${ref} has a target that is not a string, but ${allowed}`,
        );
      }
      // What the catalog reads (toAbsoluteUrl in its orchestrator): relative to the Location's
      // own file when the types match, else as written.
      const resolved =
        location.type === type ? this.resolve(target, location.target) : target;
      const parsed = this.options.teamProjects!.parse(resolved);
      if (parsed.file?.projectPath !== origin.projectPath) {
        const shown = resolved === target ? target : `${target} (${resolved})`;
        throw refusal(
          'location-target',
          `${ref} points at url:${shown}, outside its GitLab project ${origin.projectUrl}; ${allowed}`,
        );
      }
    }
  }

  /** `placeholder`: `$text`, `$json` and `$yaml` read only from the same project. */
  private checkPlaceholders(
    ref: string,
    entity: Entity,
    location: LocationSpec,
    origin: TeamProjectFile,
  ) {
    const visit = (data: unknown) => {
      if (!data || typeof data !== 'object') return;
      if (Array.isArray(data)) {
        data.forEach(visit);
        return;
      }
      const keys = Object.keys(data);
      const value = (data as Record<string, unknown>)[keys[0]];
      if (
        keys.length === 1 &&
        READING_PLACEHOLDERS.includes(keys[0]) &&
        typeof value === 'string'
      ) {
        const resolved = this.resolve(value, location.target);
        const parsed = this.options.teamProjects!.parse(resolved);
        if (parsed.file?.projectPath !== origin.projectPath) {
          throw refusal(
            'placeholder',
            `${ref} reads ${keys[0]}: ${value} (${resolved}), outside its GitLab project ${origin.projectUrl}; placeholders in an entity registered from a team's project may read only files in that project.`,
          );
        }
        return;
      }
      Object.values(data).forEach(visit);
    };
    visit(entity);
  }

  private resolve(target: string, base: string): string {
    try {
      return this.options.integrations.resolveUrl({ url: target, base });
    } catch {
      // As the catalog does: an unresolvable target is used as written (and then refused).
      return target;
    }
  }
}
