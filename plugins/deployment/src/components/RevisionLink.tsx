import { Link } from '@backstage/core-components';
import { shortRevision } from '../lib/format';

/** Props of {@link RevisionLink}. */
export interface RevisionLinkProps {
  revision: string;
  /** The commit in GitLab, when the backend could build it. */
  url?: string;
}

/** A git revision as its 7-character short SHA, linking to the commit when possible. */
export function RevisionLink(props: RevisionLinkProps) {
  const short = (
    <code title={props.revision}>{shortRevision(props.revision)}</code>
  );
  return props.url ? <Link to={props.url}>{short}</Link> : short;
}
