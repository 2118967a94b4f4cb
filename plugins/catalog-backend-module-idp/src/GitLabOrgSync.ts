import { Config } from '@backstage/config';
import { ScmIntegrations } from '@backstage/integration';

/**
 * The GitLab org sync's entities, recognised by their locations. Backstage's GitLab org provider
 * (`catalog.providers.gitlab.<id>` with `orgEnabled: true`) inserts Users and Groups directly, as
 * an entity provider, with `<baseUrl>/<username>` or `<baseUrl>/<group path>` as both their
 * location and origin. Those are the platform's: production's users, groups and so roles come from
 * them.
 *
 * Such a location cannot be forged by registering it: Backstage's GitLab reader reads only file
 * URLs (with `/blob/`), so a Location registered with a user's or group's URL reads nothing and
 * produces nothing; and the catalog rules refuse Users and Groups from any registered origin
 * before an entity is even stored.
 */
export class GitLabOrgSync {
  static fromConfig(
    config: Config,
    integrations: ScmIntegrations = ScmIntegrations.fromConfig(config),
  ): GitLabOrgSync {
    const providers = config.getOptionalConfig('catalog.providers.gitlab');
    const bases: URL[] = [];
    for (const id of providers?.keys() ?? []) {
      const provider = providers!.getConfig(id);
      if (!provider.getOptionalBoolean('orgEnabled')) continue;
      const host = provider.getString('host');
      const integration = integrations.gitlab.byHost(host);
      // The provider itself refuses to start without an integration for its host.
      if (integration) bases.push(new URL(integration.config.baseUrl));
    }
    return new GitLabOrgSync(bases);
  }

  private constructor(private readonly bases: URL[]) {}

  /** True when an org provider is configured at all. */
  get enabled(): boolean {
    return this.bases.length > 0;
  }

  /** True for a location of the shape the org provider gives its entities. */
  isOrgLocation(target: string): boolean {
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      return false;
    }
    return this.bases.some(base => {
      const basePath = base.pathname.replace(/\/+$/, '');
      if (
        url.href !== target ||
        url.username ||
        url.password ||
        url.origin !== base.origin ||
        url.search ||
        url.hash ||
        !url.pathname.startsWith(`${basePath}/`)
      ) {
        return false;
      }
      // A user or group path: no `/-/` (GitLab's separator before files, trees and the like),
      // no `blob` (what the reader splits file URLs at), no empty segment.
      return url.pathname
        .slice(basePath.length + 1)
        .split('/')
        .every(
          s => s !== '' && s !== '-' && s.toLocaleLowerCase('en-US') !== 'blob',
        );
    });
  }
}
