import { Config } from '@backstage/config';
import { ScmIntegrations } from '@backstage/integration';
import { readIdpConfig } from '../config/readIdpConfig';

/**
 * The GitLab host the portal's repositories live on: `idp.gitlab.host`, else the self-hosted
 * `integrations.gitlab` entry (gitlab.com is always listed by default, so the other one wins).
 *
 * @public
 */
export function defaultGitLabHost(config: Config): string {
  const configured = readIdpConfig(config).gitlab.host;
  if (configured) return configured;
  const all = ScmIntegrations.fromConfig(config).gitlab.list();
  const own = all.filter(i => i.config.host !== 'gitlab.com');
  return (own[0] ?? all[0]).config.host;
}
