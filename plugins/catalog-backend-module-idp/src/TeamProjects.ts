import { teamGitLabGroup } from '@internal/plugin-idp-node';

/** A file in a team's GitLab project, read from its URL. */
export interface TeamProjectFile {
  /** The team the project belongs to, lowercase: `team-payments`. */
  team: string;
  /** The project's full path, lowercase: `idp/team-payments/payments-refunds`. */
  projectPath: string;
  /** The project's web URL: `https://example.org/gitlab/idp/team-payments/payments-refunds`. */
  projectUrl: string;
}

/** What {@link TeamProjects.parse} answers: the file, or why the URL is not one. */
export type TeamProjectParse =
  | { file: TeamProjectFile; problem?: undefined }
  | { file?: undefined; problem: string };

// A GitLab group or project path segment. Deliberately narrower than what a URL may carry: no
// percent-encoding (an encoded '/' would make two segments of one for GitLab), no leading '-'
// (GitLab's `/-/` separator) or '.'.
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

function isPathSegment(segment: string | undefined): segment is string {
  return (
    segment !== undefined &&
    SEGMENT.test(segment) &&
    // Backstage's GitLab reader finds the project by splitting the path at the first `/blob/`,
    // so a group or project named `blob` would make it read another project than this parse.
    segment.toLocaleLowerCase('en-US') !== 'blob' &&
    !/(\.|\.git|\.atom)$/i.test(segment)
  );
}

/**
 * Where the teams' projects live on GitLab, and the parser that reads a team and project back
 * from a file URL: `<baseUrl>/<teamsGroup>/<team>/<project>/-/blob/<ref>/<path>`. A project's
 * place in GitLab says which team it belongs to (the golden paths create it in the verified
 * owner's group, and GitLab's own permissions decide who may push there), so this is what the
 * catalog's tenancy rules trust.
 *
 * The parse is strict on purpose: it accepts a URL only in the exact form Backstage's GitLab
 * reader will read, so that the project it names is the project the reader reads.
 */
export class TeamProjects {
  private readonly base: URL;
  private readonly basePath: string;
  private readonly groupSegments: string[];

  constructor(
    /** The GitLab integration's baseUrl, e.g. `https://example.org/gitlab`. */
    baseUrl: string,
    /** `idp.gitlab.teamsGroup`, e.g. `idp`. */
    readonly teamsGroup: string,
  ) {
    this.base = new URL(baseUrl);
    this.basePath = this.base.pathname.replace(/\/+$/, '');
    this.groupSegments = teamsGroup.replace(/^\/+|\/+$/g, '').split('/');
    if (!this.groupSegments.every(isPathSegment)) {
      throw new Error(
        `idp.gitlab.teamsGroup '${teamsGroup}' is not a GitLab group path`,
      );
    }
  }

  /** GitLab's web root without a trailing slash, as URLs in messages start. */
  get baseUrl(): string {
    return `${this.base.origin}${this.basePath}`;
  }

  /** The form a team's file URL has, for messages. */
  get pattern(): string {
    return `${this.baseUrl}/${teamGitLabGroup(
      '<team>',
      this.teamsGroup,
    )}/<project>/-/blob/<ref>/<path>`;
  }

  /** Reads the team and project from a file URL, or says why it is not a team's file. */
  parse(target: string): TeamProjectParse {
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      return { problem: 'it is not an absolute URL' };
    }
    // What the reader fetches is what the string says; a URL that normalises to something else
    // (dot segments, default ports, case) is refused rather than reinterpreted.
    if (url.href !== target) {
      return { problem: `it is not in canonical form (${url.href})` };
    }
    if (url.username || url.password) {
      return { problem: 'it carries credentials' };
    }
    if (url.origin !== this.base.origin) {
      return { problem: `it is not on the portal's GitLab (${this.baseUrl})` };
    }
    if (url.search || url.hash) {
      return { problem: 'it has a query or a fragment' };
    }
    if (!url.pathname.startsWith(`${this.basePath}/`)) {
      return { problem: `it is not under GitLab's root ${this.baseUrl}/` };
    }
    const segments = url.pathname.slice(this.basePath.length + 1).split('/');
    const group = this.groupSegments;
    const inGroup = group.every(
      (g, i) =>
        segments[i]?.toLocaleLowerCase('en-US') ===
        g.toLocaleLowerCase('en-US'),
    );
    if (!inGroup) {
      return {
        problem: `it is not in the teams' GitLab group ${
          this.baseUrl
        }/${group.join('/')}/`,
      };
    }
    const [team, project, dash, blob, ...refAndPath] = segments.slice(
      group.length,
    );
    if (
      !isPathSegment(team) ||
      !isPathSegment(project) ||
      dash !== '-' ||
      blob !== 'blob' ||
      refAndPath.length < 2 ||
      refAndPath.some(s => s === '')
    ) {
      return {
        problem:
          "it is not a file (/-/blob/<ref>/<path>) of a project directly in a team's group",
      };
    }
    const teamGroup = teamGitLabGroup(team, this.teamsGroup);
    return {
      file: {
        team: team.toLocaleLowerCase('en-US'),
        projectPath: `${teamGroup}/${project}`.toLocaleLowerCase('en-US'),
        projectUrl: `${this.baseUrl}/${teamGroup}/${project}`,
      },
    };
  }
}
