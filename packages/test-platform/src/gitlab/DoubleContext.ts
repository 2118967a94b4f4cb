import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { GitRepository } from './git/GitRepository';
import { GitLabStore } from './GitLabStore';
import { GitLabProject } from './types';

/** Settings of a running double that routes and the git handler share. */
export interface DoubleConfig {
  /** '' or a sub-path such as '/gitlab' (no trailing slash). */
  basePath: string;
  /** Directory with one bare repository per project (`<id>.git`). */
  reposDir: string;
  /** Protect the default branch when it first appears, like GitLab's default settings. */
  protectDefaultBranch: boolean;
}

/**
 * Shared state of one double: the record store, where repositories live,
 * the public URLs (known once the server listens) and per-project locks that
 * serialise writes to a repository from the REST API.
 */
export class DoubleContext {
  readonly store = new GitLabStore();
  /** `http://127.0.0.1:<port>`, set once the server listens. */
  origin = '';
  /** Unexpected errors raised while handling requests (answered with 500), kept for debugging tests. */
  readonly errors: unknown[] = [];
  private readonly locks = new Map<number, Promise<unknown>>();

  constructor(readonly config: DoubleConfig) {}

  /** Instance root as clients see it (origin + basePath). */
  get baseUrl(): string {
    return `${this.origin}${this.config.basePath}`;
  }

  /** REST API root (`<baseUrl>/api/v4`). */
  get apiUrl(): string {
    return `${this.baseUrl}/api/v4`;
  }

  /** `host:port` of the instance, as Backstage integrations expect. */
  get host(): string {
    return new URL(this.origin).host;
  }

  /** Where a new project's bare repository goes; keyed by id so renames and moves never touch disk. */
  gitDirFor(projectId: number): string {
    return join(this.config.reposDir, `${projectId}.git`);
  }

  /** The repository of a project. */
  repository(project: GitLabProject): GitRepository {
    return new GitRepository(project.gitDir);
  }

  /**
   * Runs `fn` with exclusive access to the project's repository so REST
   * commits and branch changes cannot interleave (pushes are protected by
   * git's own ref locking).
   */
  async withProjectLock<T>(
    projectId: number,
    fn: () => Promise<T>,
  ): Promise<T> {
    const previous = this.locks.get(projectId) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(fn);
    this.locks.set(projectId, run);
    try {
      return await run;
    } finally {
      if (this.locks.get(projectId) === run) this.locks.delete(projectId);
    }
  }

  /**
   * Refreshes what the store caches from git after any write: HEAD is moved
   * to a pushed branch when it dangles (GitLab makes the first pushed branch
   * the default), `default_branch`/`empty_repo` are re-read, and the default
   * branch gets protected on first appearance when configured.
   */
  async syncRepository(
    project: GitLabProject,
    preferredBranches: string[] = [],
  ): Promise<void> {
    const repo = this.repository(project);
    await repo.repairHead(preferredBranches);
    project.defaultBranch = await repo.headBranch();
    project.emptyRepo = await repo.isEmpty();
    project.lastActivityAt = new Date().toISOString();
    if (
      this.config.protectDefaultBranch &&
      !project.defaultBranchProtected &&
      !project.emptyRepo &&
      (await repo.branchSha(project.defaultBranch))
    ) {
      project.defaultBranchProtected = true;
      if (
        !project.protectedBranches.some(p => p.name === project.defaultBranch)
      ) {
        project.protectedBranches.push({
          id: this.store.nextId('protected_branches'),
          name: project.defaultBranch,
          pushAccessLevel: 40,
          mergeAccessLevel: 40,
          unprotectAccessLevel: 40,
          allowForcePush: false,
          codeOwnerApprovalRequired: false,
        });
        await this.writeProtectedBranchRules(project);
      }
    }
  }

  /** Hands the protected branch rules to the repository's pre-receive hook. */
  async writeProtectedBranchRules(project: GitLabProject): Promise<void> {
    await this.repository(project).writeProtectedBranchRules(
      project.protectedBranches.map(p => ({
        pattern: p.name,
        allowForcePush: p.allowForcePush,
        pushAccessLevel: p.pushAccessLevel,
      })),
    );
  }

  /** Removes a project's records and its repository from disk. */
  async deleteProject(project: GitLabProject): Promise<void> {
    this.store.projects.delete(project.id);
    for (const token of this.store.tokens.values()) {
      if (token.projectId === project.id) token.revoked = true;
    }
    for (const token of this.store.deployTokens.values()) {
      if (token.projectId === project.id) token.revoked = true;
    }
    await fs.rm(project.gitDir, { recursive: true, force: true });
  }
}
