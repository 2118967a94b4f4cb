import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { Role, projectAccessLevel } from '../auth/access';
import { GitCommitAction } from '../git/GitRepository';
import { GitLabProject } from '../types';
import { ApiError } from './ApiError';
import type { ApiRouter, RouteContext } from './ApiRouter';
import { commitChanges } from './commitChanges';
import { Params } from './Params';

const FILE_READ_SCOPES = ['api', 'read_api', 'read_repository'];
const ACTIONS = ['create', 'delete', 'move', 'update', 'chmod'] as const;

/** Code of private projects needs Reporter; public/internal code is readable by anyone who sees the project. */
function readableProject(c: RouteContext): GitLabProject {
  const project = c.project();
  const level = projectAccessLevel(c.principal, project);
  if (project.visibility === 'private' && level < Role.Reporter) {
    throw ApiError.forbidden();
  }
  return project;
}

/** Rejects empty, absolute-escaping and `..` paths (Grape's file path validator). */
function validFilePath(path: string | undefined, param: string): string {
  if (path === undefined || path === '') throw ApiError.missing(param);
  const trimmed = path.replace(/^\/+/, '');
  if (
    !trimmed ||
    trimmed.split('/').some(part => part === '..') ||
    trimmed.includes('\0')
  ) {
    throw new ApiError(400, { error: `${param} should be a valid file path` });
  }
  return trimmed;
}

function decodeContent(
  content: string | undefined,
  encoding: string | undefined,
): Buffer {
  if (content === undefined) return Buffer.alloc(0);
  return encoding === 'base64'
    ? Buffer.from(content, 'base64')
    : Buffer.from(content, 'utf8');
}

/** Parses `actions[]` of `POST /repository/commits` with Grape-style parameter errors. */
function parseActions(params: Params) {
  const raw = params.raw('actions');
  if (raw === undefined) throw ApiError.missing('actions');
  if (!Array.isArray(raw)) throw ApiError.invalid('actions');
  if (raw.length === 0) {
    throw new ApiError(400, { error: 'actions is empty' });
  }
  const lastCommitIds = new Map<string, string>();
  const actions = raw.map((entry, i): GitCommitAction => {
    const name = (field: string) => `actions[${i}][${field}]`;
    const a = new Params(
      entry && typeof entry === 'object'
        ? (entry as Record<string, unknown>)
        : {},
    );
    const action = a.string('action');
    if (!action) throw ApiError.missing(name('action'));
    if (!ACTIONS.includes(action as (typeof ACTIONS)[number])) {
      throw ApiError.notAllowedValue(name('action'));
    }
    const filePath = validFilePath(a.string('file_path'), name('file_path'));
    const encoding = a.string('encoding') ?? 'text';
    if (!['text', 'base64'].includes(encoding)) {
      throw ApiError.notAllowedValue(name('encoding'));
    }
    const lastCommitId = a.string('last_commit_id');
    if (lastCommitId) lastCommitIds.set(filePath, lastCommitId);
    const content = a.string('content');
    switch (action) {
      case 'create':
      case 'update':
        return {
          action,
          filePath,
          content: decodeContent(content, encoding),
        };
      case 'delete':
        return { action, filePath };
      case 'move':
        return {
          action,
          filePath,
          previousPath: validFilePath(
            a.string('previous_path'),
            name('previous_path'),
          ),
          content:
            content === undefined
              ? undefined
              : decodeContent(content, encoding),
        };
      default:
        return {
          action: 'chmod',
          filePath,
          executable: a.boolean('execute_filemode') ?? false,
        };
    }
  });
  return { actions, lastCommitIds };
}

/** `git archive` formats for GitLab's archive formats (the bzip2 ones are not offered). */
const ARCHIVE_FORMATS: Record<string, string> = {
  'tar.gz': 'tar.gz',
  tgz: 'tar.gz',
  gz: 'tar.gz',
  tar: 'tar',
  zip: 'zip',
};

/**
 * Repository content backed by the project's bare git repository:
 * tree (docs: api/repositories.md#list-repository-tree), archives (docs:
 * api/repositories.md#get-file-archive), files (docs: api/repository_files.md) and commits
 * (docs: api/commits.md).
 */
export function registerRepositoryRoutes(api: ApiRouter) {
  // docs: api/repositories.md#list-repository-tree
  api.get('/projects/:id/repository/tree', async c => {
    const project = readableProject(c);
    const repo = c.double.repository(project);
    const ref = c.params.string('ref') || project.defaultBranch;
    const path = c.params.string('path') ?? '';
    const recursive = c.params.boolean('recursive') ?? false;
    if (project.emptyRepo && !c.params.string('ref')) {
      c.reply(200, c.paginate([]));
      return;
    }
    const sha = await repo.resolveCommit(ref);
    const entries = sha ? await repo.listTree(sha, path, recursive) : undefined;
    if (!entries) throw ApiError.notFound('Tree');
    c.reply(200, c.paginate(entries));
  });

  // docs: api/repositories.md#get-file-archive
  // What Backstage's GitLab UrlReader reads a tree with (readTree: TechDocs, fetch:plain of a
  // folder): the commit at `sha` (default branch when absent), optionally only `path`, under one
  // top-level folder named `<project>-<ref>-<sha>[-<path>]`, as GitLab names it.
  const archive = async (c: RouteContext) => {
    const project = readableProject(c);
    const requested = c.req.params.format ?? 'tar.gz';
    const format = ARCHIVE_FORMATS[requested];
    if (!format) {
      throw new ApiError(400, {
        error: `format does not have a valid value (this double offers ${Object.keys(
          ARCHIVE_FORMATS,
        ).join(', ')})`,
      });
    }
    const repo = c.double.repository(project);
    const ref = c.params.string('sha') || project.defaultBranch;
    if (ref.startsWith('-')) throw ApiError.notFound('Commit');
    const sha = ref && (await repo.resolveCommit(ref));
    if (!sha) throw ApiError.notFound('Commit');
    const rawPath = c.params.string('path');
    const subpath =
      rawPath === undefined || rawPath === ''
        ? undefined
        : validFilePath(rawPath, 'path').replace(/\/+$/, '');
    if (
      subpath &&
      !(await repo.listTree(sha, subpath, false)) &&
      !(await repo.readFile(sha, subpath))
    ) {
      throw ApiError.notFound('File');
    }
    const name = [project.path, ref.replace(/\//g, '-'), sha]
      .concat(subpath ? [subpath.replace(/\//g, '-')] : [])
      .join('-');
    const result = await repo.git([
      'archive',
      `--format=${format}`,
      `--prefix=${name}/`,
      sha,
      ...(subpath ? ['--', subpath] : []),
    ]);
    c.res
      .status(200)
      .set({
        'content-type': 'application/octet-stream',
        'content-disposition': `attachment; filename="${name}.${requested}"`,
        'content-transfer-encoding': 'binary',
      })
      .send(result.stdout);
  };
  api.get('/projects/:id/repository/archive', archive, {
    scopes: FILE_READ_SCOPES,
  });
  api.get('/projects/:id/repository/archive.:format([a-z0-9.]+)', archive, {
    scopes: FILE_READ_SCOPES,
  });

  const readFile = async (c: RouteContext, refRequired: boolean) => {
    const project = readableProject(c);
    const filePath = validFilePath(c.req.params.file_path, 'file_path');
    const ref = c.params.string('ref');
    if (refRequired && !ref) throw ApiError.missing('ref');
    const file = await c.double
      .repository(project)
      .readFile(ref || project.defaultBranch, filePath);
    if (!file) throw ApiError.notFound('File');
    const contentSha256 = createHash('sha256')
      .update(file.content)
      .digest('hex');
    const info = {
      file_name: posix.basename(filePath),
      file_path: filePath,
      size: file.content.length,
      encoding: 'base64',
      content_sha256: contentSha256,
      ref: ref || project.defaultBranch,
      blob_id: file.blobId,
      commit_id: file.commitId,
      last_commit_id: file.lastCommitId,
      execute_filemode: file.mode === '100755',
    };
    // GitLab sends the metadata as headers too (that is what HEAD requests use).
    c.res.set({
      'X-Gitlab-Blob-Id': info.blob_id,
      'X-Gitlab-Commit-Id': info.commit_id,
      'X-Gitlab-Content-Sha256': info.content_sha256,
      'X-Gitlab-Encoding': info.encoding,
      'X-Gitlab-File-Name': encodeURIComponent(info.file_name),
      'X-Gitlab-File-Path': encodeURIComponent(info.file_path),
      'X-Gitlab-Last-Commit-Id': info.last_commit_id,
      'X-Gitlab-Ref': encodeURIComponent(info.ref),
      'X-Gitlab-Size': String(info.size),
      'X-Gitlab-Execute-Filemode': String(info.execute_filemode),
    });
    return { info, content: file.content };
  };

  // docs: api/repository_files.md#get-file-from-repository
  api.get(
    '/projects/:id/repository/files/:file_path',
    async c => {
      const { info, content } = await readFile(c, true);
      c.reply(200, { ...info, content: content.toString('base64') });
    },
    { scopes: FILE_READ_SCOPES },
  );

  // docs: api/repository_files.md#get-raw-file-from-repository
  api.get(
    '/projects/:id/repository/files/:file_path/raw',
    async c => {
      const { content } = await readFile(c, false);
      c.res.status(200).type('text/plain; charset=utf-8').send(content);
    },
    { scopes: FILE_READ_SCOPES },
  );

  const fileWrite =
    (action: 'create' | 'update' | 'delete') => async (c: RouteContext) => {
      const project = c.project(Role.Developer, { write: true });
      const filePath = validFilePath(c.req.params.file_path, 'file_path');
      const required =
        action === 'delete'
          ? ['branch', 'commit_message']
          : ['branch', 'commit_message', 'content'];
      const missing = required.filter(n => !c.params.has(n));
      if (missing.length) throw ApiError.missing(...missing);
      const encoding = c.params.oneOf('encoding', ['text', 'base64']);
      const content = decodeContent(c.params.string('content'), encoding);
      const actions: GitCommitAction[] =
        action === 'delete'
          ? [{ action, filePath }]
          : [{ action, filePath, content }];
      const executable = c.params.boolean('execute_filemode');
      if (executable !== undefined && action !== 'delete') {
        actions.push({ action: 'chmod', filePath, executable });
      }
      const lastCommitId = c.params.string('last_commit_id');
      await commitChanges(c, project, {
        branch: c.params.string('branch')!,
        startBranch: c.params.string('start_branch'),
        message: c.params.string('commit_message')!,
        authorName: c.params.string('author_name'),
        authorEmail: c.params.string('author_email'),
        actions,
        lastCommitIds: lastCommitId
          ? new Map([[filePath, lastCommitId]])
          : undefined,
      });
      if (action === 'delete') {
        c.noContent();
      } else {
        c.reply(action === 'create' ? 201 : 200, {
          file_path: filePath,
          branch: c.params.string('branch'),
        });
      }
    };

  // docs: api/repository_files.md#create-new-file-in-repository
  api.post('/projects/:id/repository/files/:file_path', fileWrite('create'));
  // docs: api/repository_files.md#update-existing-file-in-repository
  api.put('/projects/:id/repository/files/:file_path', fileWrite('update'));
  // docs: api/repository_files.md#delete-existing-file-in-repository
  api.delete('/projects/:id/repository/files/:file_path', fileWrite('delete'));

  // docs: api/commits.md#list-repository-commits
  api.get('/projects/:id/repository/commits', async c => {
    const project = readableProject(c);
    const repo = c.double.repository(project);
    const ref = c.params.string('ref_name') || project.defaultBranch;
    const commits = await repo.log({
      ref,
      path: c.params.string('path'),
      since: c.params.string('since'),
      until: c.params.string('until'),
      firstParent: c.params.boolean('first_parent') ?? false,
    });
    const page = c.paginate(commits);
    const withStats = c.params.boolean('with_stats') ?? false;
    const rendered = [];
    for (const commit of page) {
      rendered.push(
        c.entities.commit(
          project,
          commit,
          withStats ? await repo.commitStats(commit) : undefined,
        ),
      );
    }
    c.reply(200, rendered);
  });

  // docs: api/commits.md#get-a-single-commit
  api.get('/projects/:id/repository/commits/:sha', async c => {
    const project = readableProject(c);
    const repo = c.double.repository(project);
    const commit = await repo.getCommit(c.req.params.sha);
    if (!commit) throw ApiError.notFound('Commit');
    const stats =
      c.params.boolean('stats') ?? true
        ? await repo.commitStats(commit)
        : undefined;
    c.reply(200, {
      ...c.entities.commit(project, commit, stats),
      status: null,
      project_id: project.id,
      last_pipeline: null,
    });
  });

  // docs: api/commits.md#create-a-commit-with-multiple-files-and-actions
  api.post('/projects/:id/repository/commits', async c => {
    const project = c.project(Role.Developer, { write: true });
    const missing = ['branch', 'commit_message', 'actions'].filter(
      n => !c.params.has(n) || c.params.raw(n) === '',
    );
    if (missing.length) throw ApiError.missing(...missing);
    const { actions, lastCommitIds } = parseActions(c.params);
    const sha = await commitChanges(c, project, {
      branch: c.params.string('branch')!,
      startBranch: c.params.string('start_branch'),
      startSha: c.params.string('start_sha'),
      force: c.params.boolean('force') ?? false,
      message: c.params.string('commit_message')!,
      authorName: c.params.string('author_name'),
      authorEmail: c.params.string('author_email'),
      actions,
      lastCommitIds,
    });
    const repo = c.double.repository(project);
    const commit = (await repo.getCommit(sha))!;
    const withStats = c.params.boolean('stats') ?? true;
    c.reply(201, {
      ...c.entities.commit(
        project,
        commit,
        withStats ? await repo.commitStats(commit) : undefined,
      ),
      status: null,
      project_id: project.id,
      last_pipeline: null,
    });
  });
}
