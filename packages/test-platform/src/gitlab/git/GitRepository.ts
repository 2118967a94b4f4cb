import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { GitCommandError, runGit } from './runGit';

/** The all-zero object id git uses for "no object" in ref updates. */
export const ZERO_SHA = '0000000000000000000000000000000000000000';

/** A commit as read from the repository. */
export interface GitCommit {
  id: string;
  parentIds: string[];
  authorName: string;
  authorEmail: string;
  authoredDate: string;
  committerName: string;
  committerEmail: string;
  committedDate: string;
  message: string;
}

/** A branch and the commit it points to. */
export interface GitBranch {
  name: string;
  commit: GitCommit;
}

/** An entry of a tree listing. */
export interface GitTreeEntry {
  id: string;
  name: string;
  type: 'tree' | 'blob' | 'commit';
  path: string;
  mode: string;
}

/** A blob read at a ref. */
export interface GitFile {
  blobId: string;
  mode: string;
  content: Buffer;
  commitId: string;
  lastCommitId: string;
}

/** One file operation of {@link GitRepository.createCommit}, mirroring the GitLab commits API actions. */
export type GitCommitAction =
  | { action: 'create' | 'update'; filePath: string; content: Buffer }
  | { action: 'delete'; filePath: string }
  | {
      action: 'move';
      filePath: string;
      previousPath: string;
      content?: Buffer;
    }
  | { action: 'chmod'; filePath: string; executable: boolean };

/** A rule of the protected-branch pre-receive hook. */
export interface ProtectedBranchRule {
  pattern: string;
  allowForcePush: boolean;
  /** 0 means "No one" may push. */
  pushAccessLevel: number;
}

/** Raised for invalid commit actions; the message is GitLab's wording. */
export class GitCommitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GitCommitError';
  }
}

const FIELD = '%x00';
const RECORD = '%x1e';
const LOG_FORMAT = [
  '%H',
  '%P',
  '%an',
  '%ae',
  '%aI',
  '%cn',
  '%ce',
  '%cI',
  '%B',
].join(FIELD);
const REF_FORMAT = [
  '%(refname:lstrip=2)',
  '%(objectname)',
  '%(parent)',
  '%(authorname)',
  '%(authoremail:trim)',
  '%(authordate:iso-strict)',
  '%(committername)',
  '%(committeremail:trim)',
  '%(committerdate:iso-strict)',
  '%(contents)',
]
  .join('%00')
  .concat('%1e');

/**
 * GitLab renders times with milliseconds (`2024-01-02T03:04:05.000+00:00`);
 * git's strict ISO format has none, so add them for field-level fidelity.
 */
function gitlabTime(isoStrict: string): string {
  return isoStrict.replace(/(T\d\d:\d\d:\d\d)(?=[+\-]|Z)/, '$1.000');
}

function parseCommitFields(fields: string[]): GitCommit {
  const [id, parents, an, ae, ad, cn, ce, cd, ...rest] = fields;
  return {
    id,
    parentIds: parents ? parents.split(' ').filter(Boolean) : [],
    authorName: an,
    authorEmail: ae,
    authoredDate: gitlabTime(ad),
    committerName: cn,
    committerEmail: ce,
    committedDate: gitlabTime(cd),
    message: rest.join('\0'),
  };
}

function parseRecords(output: Buffer): string[][] {
  return output
    .toString('utf8')
    .split('\x1e')
    .map(record => record.replace(/^\n/, ''))
    .filter(record => record.length > 0)
    .map(record => record.split('\0'));
}

/** Refs and paths starting with `-` would be parsed by git as options. */
function assertSafeArg(value: string) {
  if (value.startsWith('-') || value.includes('\0')) {
    throw new GitCommitError(`Invalid argument: ${value}`);
  }
}

/** Tree/index paths never have leading or trailing slashes. */
function normalizePath(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}

const PRE_RECEIVE_HOOK = `#!/bin/sh
# Installed by the GitLab test double. It enforces protected branch rules the way
# GitLab's own pre-receive checks do, so force pushes and deletions of protected
# branches fail over git smart HTTP exactly like against a real instance.
rules="\${GIT_DIR:-.}/gitlab-protected-branches"
[ -f "$rules" ] || exit 0
zero=${ZERO_SHA}
status=0
while read -r old new ref; do
  case "$ref" in refs/heads/*) ;; *) continue ;; esac
  branch=\${ref#refs/heads/}
  while IFS='	' read -r force level pattern; do
    [ -n "$pattern" ] || continue
    # shellcheck disable=SC2254 # the pattern is a GitLab wildcard on purpose
    case "$branch" in
      $pattern)
        if [ "$new" = "$zero" ]; then
          echo "GitLab: You can only delete protected branches using the web interface." >&2
          status=1
        elif [ "$level" = "0" ]; then
          echo "GitLab: You are not allowed to push code to protected branches on this project." >&2
          status=1
        elif [ "$old" != "$zero" ] && [ "$force" != "1" ] && ! git merge-base --is-ancestor "$old" "$new"; then
          echo "GitLab: You are not allowed to force push code to a protected branch on this project." >&2
          status=1
        fi
        ;;
    esac
  done < "$rules"
done
exit $status
`;

/**
 * A bare git repository on disk, read and written only through git itself so
 * the double's view of branches and commits is always what `git clone` sees.
 */
export class GitRepository {
  constructor(readonly gitDir: string) {}

  /** Creates the bare repository with HEAD on `defaultBranch` and the GitLab-like pre-receive hook. */
  static async init(
    gitDir: string,
    defaultBranch: string,
  ): Promise<GitRepository> {
    // An empty template keeps git's sample hooks and description out of the repo.
    await runGit([
      'init',
      '--bare',
      '--quiet',
      '--template=',
      `--initial-branch=${defaultBranch}`,
      gitDir,
    ]);
    const repo = new GitRepository(gitDir);
    // Pushes reach receive-pack through the CGI even without REMOTE_USER.
    await repo.git(['config', 'http.receivepack', 'true']);
    await fs.mkdir(join(gitDir, 'hooks'), { recursive: true });
    await fs.writeFile(join(gitDir, 'hooks', 'pre-receive'), PRE_RECEIVE_HOOK, {
      mode: 0o755,
    });
    return repo;
  }

  /** Runs git against this repository. */
  git(args: string[], input?: string | Buffer, env?: Record<string, string>) {
    return runGit(args, { gitDir: this.gitDir, input, env });
  }

  /** Writes the rules read by the pre-receive hook. */
  async writeProtectedBranchRules(rules: ProtectedBranchRule[]) {
    const text = rules
      .map(
        r =>
          `${r.allowForcePush ? 1 : 0}\t${r.pushAccessLevel}\t${r.pattern}\n`,
      )
      .join('');
    await fs.writeFile(join(this.gitDir, 'gitlab-protected-branches'), text);
  }

  /** The branch HEAD points at (which may not exist yet in an empty repository). */
  async headBranch(): Promise<string> {
    const { stdout } = await this.git(['symbolic-ref', '--short', 'HEAD']);
    return stdout.toString('utf8').trim();
  }

  /** Points HEAD at a branch: this is how the default branch is stored. */
  async setHeadBranch(branch: string) {
    assertSafeArg(branch);
    await this.git(['symbolic-ref', 'HEAD', `refs/heads/${branch}`]);
  }

  /** All branches with their head commits, sorted by name. */
  async listBranches(): Promise<GitBranch[]> {
    const { stdout } = await this.git([
      'for-each-ref',
      '--sort=refname',
      `--format=${REF_FORMAT}`,
      'refs/heads/',
    ]);
    return parseRecords(stdout).map(([name, ...fields]) => ({
      name,
      commit: parseCommitFields(fields),
    }));
  }

  /** Names of the branches whose heads are reachable from `ref`. */
  async branchesMergedInto(ref: string): Promise<Set<string>> {
    assertSafeArg(ref);
    const result = await runGit(
      [
        'for-each-ref',
        `--merged=${ref}`,
        '--format=%(refname:lstrip=2)',
        'refs/heads/',
      ],
      { gitDir: this.gitDir, check: false },
    );
    if (result.code !== 0) return new Set();
    return new Set(result.stdout.toString('utf8').split('\n').filter(Boolean));
  }

  /** True when the repository has no branches at all. */
  async isEmpty(): Promise<boolean> {
    const { stdout } = await this.git([
      'for-each-ref',
      '--count=1',
      '--format=%(refname)',
      'refs/heads/',
    ]);
    return stdout.length === 0;
  }

  /** The commit sha of a branch, or undefined when it does not exist. */
  async branchSha(name: string): Promise<string | undefined> {
    if (name.startsWith('-')) return undefined;
    return this.revParse(`refs/heads/${name}`);
  }

  /** Resolves a branch, tag or (abbreviated) sha to a commit sha. */
  async resolveCommit(ref: string): Promise<string | undefined> {
    if (!ref || ref.startsWith('-') || ref.includes('\0')) return undefined;
    return this.revParse(`${ref}^{commit}`);
  }

  private async revParse(spec: string): Promise<string | undefined> {
    const result = await runGit(['rev-parse', '--verify', '--quiet', spec], {
      gitDir: this.gitDir,
      check: false,
    });
    return result.code === 0
      ? result.stdout.toString('utf8').trim()
      : undefined;
  }

  /** True when `name` is acceptable as a branch name for git. */
  static async isValidBranchName(name: string): Promise<boolean> {
    if (!name || name.startsWith('-') || name === 'HEAD') return false;
    const result = await runGit(['check-ref-format', '--branch', name], {
      check: false,
    });
    return result.code === 0;
  }

  /** Creates a branch; fails if it already exists (zero old value). */
  async createBranch(name: string, sha: string) {
    assertSafeArg(name);
    await this.git(['update-ref', `refs/heads/${name}`, sha, ZERO_SHA]);
  }

  /** Deletes a branch. */
  async deleteBranch(name: string) {
    assertSafeArg(name);
    await this.git(['update-ref', '-d', `refs/heads/${name}`]);
  }

  /**
   * If HEAD points at a branch that does not exist while other branches do,
   * GitLab makes the first pushed branch the default; mirror that so
   * `default_branch` follows what a client actually pushed.
   */
  async repairHead(preferred: string[] = []): Promise<void> {
    const head = await this.headBranch();
    if (await this.branchSha(head)) return;
    const branches = (await this.listBranches()).map(b => b.name);
    if (branches.length === 0) return;
    const next = preferred.find(b => branches.includes(b)) ?? branches[0];
    await this.setHeadBranch(next);
  }

  /** Reads one commit, or undefined when `ref` does not resolve. */
  async getCommit(ref: string): Promise<GitCommit | undefined> {
    const sha = await this.resolveCommit(ref);
    if (!sha) return undefined;
    const { stdout } = await this.git([
      'show',
      '-s',
      `--format=${LOG_FORMAT}${RECORD}`,
      sha,
    ]);
    return parseCommitFields(parseRecords(stdout)[0]);
  }

  /** Commit history of `ref` (newest first), optionally limited to a path. */
  async log(options: {
    ref: string;
    path?: string;
    since?: string;
    until?: string;
    firstParent?: boolean;
  }): Promise<GitCommit[]> {
    const sha = await this.resolveCommit(options.ref);
    if (!sha) return [];
    const args = ['log', `--format=${LOG_FORMAT}${RECORD}`];
    if (options.since) args.push(`--since=${options.since}`);
    if (options.until) args.push(`--until=${options.until}`);
    if (options.firstParent) args.push('--first-parent');
    args.push(sha);
    if (options.path) args.push('--', normalizePath(options.path));
    const { stdout } = await this.git(args);
    return parseRecords(stdout).map(parseCommitFields);
  }

  /** Lines added/removed by a commit relative to its first parent. */
  async commitStats(
    commit: GitCommit,
  ): Promise<{ additions: number; deletions: number; total: number }> {
    const args = commit.parentIds[0]
      ? ['diff', '--numstat', commit.parentIds[0], commit.id]
      : ['diff-tree', '--numstat', '-r', '--root', commit.id];
    const { stdout } = await this.git(args);
    let additions = 0;
    let deletions = 0;
    for (const line of stdout.toString('utf8').split('\n')) {
      const m = /^(\d+|-)\t(\d+|-)\t/.exec(line);
      if (m) {
        additions += m[1] === '-' ? 0 : Number(m[1]);
        deletions += m[2] === '-' ? 0 : Number(m[2]);
      }
    }
    return { additions, deletions, total: additions + deletions };
  }

  /**
   * Lists a directory at a commit. Returns undefined when the path is not a
   * directory there (GitLab's "404 Tree Not Found").
   */
  async listTree(
    commitSha: string,
    path: string,
    recursive: boolean,
  ): Promise<GitTreeEntry[] | undefined> {
    const dir = normalizePath(path);
    const spec = dir ? `${commitSha}:${dir}` : `${commitSha}^{tree}`;
    const type = await runGit(['cat-file', '-t', spec], {
      gitDir: this.gitDir,
      check: false,
    });
    if (type.code !== 0 || type.stdout.toString('utf8').trim() !== 'tree') {
      return undefined;
    }
    const args = ['ls-tree', '-z'];
    if (recursive) args.push('-r', '-t');
    args.push(spec);
    const { stdout } = await this.git(args);
    const entries = stdout
      .toString('utf8')
      .split('\0')
      .filter(Boolean)
      .map(line => {
        const tab = line.indexOf('\t');
        const [mode, entryType, id] = line.slice(0, tab).split(' ');
        const relative = line.slice(tab + 1);
        return {
          id,
          name: relative.slice(relative.lastIndexOf('/') + 1),
          type: entryType as GitTreeEntry['type'],
          path: dir ? `${dir}/${relative}` : relative,
          mode,
        };
      });
    // GitLab lists directories before files in a non-recursive listing.
    if (!recursive) {
      const rank = (e: GitTreeEntry) => (e.type === 'tree' ? 0 : 1);
      entries.sort((a, b) => rank(a) - rank(b));
    }
    return entries;
  }

  /** Reads a file at a ref; undefined when the ref or the blob does not exist. */
  async readFile(ref: string, path: string): Promise<GitFile | undefined> {
    const commitId = await this.resolveCommit(ref);
    const filePath = normalizePath(path);
    if (!commitId || !filePath) return undefined;
    const entry = await runGit(['ls-tree', '-z', commitId, '--', filePath], {
      gitDir: this.gitDir,
      check: false,
    });
    const line = entry.stdout.toString('utf8').split('\0')[0];
    if (entry.code !== 0 || !line) return undefined;
    const [mode, type, blobId] = line.slice(0, line.indexOf('\t')).split(' ');
    if (type !== 'blob') return undefined;
    const { stdout: content } = await this.git(['cat-file', 'blob', blobId]);
    const last = await this.git([
      'log',
      '-1',
      '--format=%H',
      commitId,
      '--',
      filePath,
    ]);
    return {
      blobId,
      mode,
      content,
      commitId,
      lastCommitId: last.stdout.toString('utf8').trim(),
    };
  }

  /**
   * Writes a commit onto `branch` with git plumbing (hash-object,
   * update-index on a private index, write-tree, commit-tree, update-ref),
   * i.e. exactly the objects a push would have produced. `parentSha` is the
   * commit the change starts from (undefined for an empty repository);
   * `expectedBranchSha` guards the ref update against concurrent writers.
   */
  async createCommit(options: {
    branch: string;
    parentSha?: string;
    expectedBranchSha?: string;
    message: string;
    author: { name: string; email: string };
    committer: { name: string; email: string };
    actions: GitCommitAction[];
  }): Promise<string> {
    assertSafeArg(options.branch);
    const files = new Map<string, { mode: string; sha: string }>();
    if (options.parentSha) {
      const { stdout } = await this.git([
        'ls-tree',
        '-r',
        '-z',
        '--full-tree',
        options.parentSha,
      ]);
      for (const line of stdout.toString('utf8').split('\0').filter(Boolean)) {
        const tab = line.indexOf('\t');
        const [mode, , sha] = line.slice(0, tab).split(' ');
        files.set(line.slice(tab + 1), { mode, sha });
      }
    }

    const isDirectory = (p: string) => {
      for (const key of files.keys()) if (key.startsWith(`${p}/`)) return true;
      return false;
    };
    const hasFileAncestor = (p: string) => {
      const parts = p.split('/');
      for (let i = 1; i < parts.length; i++) {
        if (files.has(parts.slice(0, i).join('/'))) return true;
      }
      return false;
    };
    const assertCreatable = (p: string) => {
      if (files.has(p) || hasFileAncestor(p)) {
        throw new GitCommitError('A file with this name already exists');
      }
      if (isDirectory(p)) {
        throw new GitCommitError('A directory with this name already exists');
      }
    };
    const assertExists = (p: string) => {
      if (!files.has(p)) {
        throw new GitCommitError("A file with this name doesn't exist");
      }
    };
    const hash = async (content: Buffer) =>
      (await this.git(['hash-object', '-w', '--stdin'], content)).stdout
        .toString('utf8')
        .trim();

    for (const action of options.actions) {
      const path = normalizePath(action.filePath);
      switch (action.action) {
        case 'create':
          assertCreatable(path);
          files.set(path, { mode: '100644', sha: await hash(action.content) });
          break;
        case 'update': {
          assertExists(path);
          const mode = files.get(path)!.mode;
          files.set(path, { mode, sha: await hash(action.content) });
          break;
        }
        case 'delete':
          assertExists(path);
          files.delete(path);
          break;
        case 'move': {
          const previous = normalizePath(action.previousPath);
          assertExists(previous);
          const old = files.get(previous)!;
          files.delete(previous);
          assertCreatable(path);
          files.set(path, {
            mode: old.mode,
            sha: action.content ? await hash(action.content) : old.sha,
          });
          break;
        }
        case 'chmod': {
          assertExists(path);
          const old = files.get(path)!;
          files.set(path, {
            mode: action.executable ? '100755' : '100644',
            sha: old.sha,
          });
          break;
        }
        default:
          throw new GitCommitError('Unknown action');
      }
    }

    // A private index file keeps concurrent commits from trampling each other.
    const indexFile = join(
      this.gitDir,
      `index.double-${randomBytes(6).toString('hex')}`,
    );
    try {
      const env = { GIT_INDEX_FILE: indexFile };
      const indexInfo = [...files.entries()]
        .map(([p, f]) => `${f.mode} ${f.sha}\t${p}`)
        .join('\0');
      await this.git(
        ['update-index', '-z', '--index-info'],
        indexInfo ? `${indexInfo}\0` : '',
        env,
      );
      const tree = (await this.git(['write-tree'], undefined, env)).stdout
        .toString('utf8')
        .trim();
      const args = ['commit-tree', tree];
      if (options.parentSha) args.push('-p', options.parentSha);
      const commit = (
        await this.git(args, options.message, {
          GIT_AUTHOR_NAME: options.author.name,
          GIT_AUTHOR_EMAIL: options.author.email,
          GIT_COMMITTER_NAME: options.committer.name,
          GIT_COMMITTER_EMAIL: options.committer.email,
        })
      ).stdout
        .toString('utf8')
        .trim();
      try {
        await this.git([
          'update-ref',
          `refs/heads/${options.branch}`,
          commit,
          options.expectedBranchSha ?? ZERO_SHA,
        ]);
      } catch (e) {
        if (e instanceof GitCommandError) {
          throw new GitCommitError(
            'Could not update the branch: it was changed concurrently',
          );
        }
        throw e;
      }
      return commit;
    } finally {
      await fs.rm(indexFile, { force: true });
    }
  }

  /**
   * Merges `source` into `target` with a merge commit, as GitLab's default merge method does:
   * `git merge-tree --write-tree` (no work tree) and a two-parent commit, the ref updated only if
   * `target` has not moved. Fails with a GitCommitError on conflicts. Returns the new sha.
   */
  async mergeBranches(options: {
    source: string;
    target: string;
    message: string;
    committer: { name: string; email: string };
  }): Promise<string> {
    assertSafeArg(options.source);
    assertSafeArg(options.target);
    const sourceSha = await this.branchSha(options.source);
    const targetSha = await this.branchSha(options.target);
    if (!sourceSha || !targetSha) {
      throw new GitCommitError('Branch cannot be merged: a branch is missing');
    }
    const merged = await runGit(
      ['merge-tree', '--write-tree', targetSha, sourceSha],
      { gitDir: this.gitDir, check: false },
    );
    if (merged.code !== 0) {
      throw new GitCommitError('Branch cannot be merged: it has conflicts');
    }
    const tree = merged.stdout.toString('utf8').split('\n')[0].trim();
    const env = {
      GIT_AUTHOR_NAME: options.committer.name,
      GIT_AUTHOR_EMAIL: options.committer.email,
      GIT_COMMITTER_NAME: options.committer.name,
      GIT_COMMITTER_EMAIL: options.committer.email,
    };
    const commit = (
      await this.git(
        ['commit-tree', tree, '-p', targetSha, '-p', sourceSha],
        options.message,
        env,
      )
    ).stdout
      .toString('utf8')
      .trim();
    try {
      await this.git([
        'update-ref',
        `refs/heads/${options.target}`,
        commit,
        targetSha,
      ]);
    } catch (e) {
      if (e instanceof GitCommandError) {
        throw new GitCommitError(
          'Could not update the branch: it was changed concurrently',
        );
      }
      throw e;
    }
    return commit;
  }
}
