import { LoggerService } from '@backstage/backend-plugin-api';

/**
 * Something a golden-path action created, as recorded for undo. Records hold ids and names,
 * never secret values.
 *
 * @public
 */
export type CreatedResource =
  | {
      type: 'gitlab-project';
      host: string;
      id: number;
      path: string;
      role: 'app' | 'deploy';
    }
  | {
      type: 'gitlab-access-token';
      host: string;
      projectId: number;
      tokenId: number;
      name: string;
    }
  | {
      type: 'gitlab-deploy-token';
      host: string;
      projectId: number;
      tokenId: number;
      name: string;
    }
  | { type: 'gitlab-variable'; host: string; projectId: number; key: string }
  | {
      type: 'gitops-file';
      host: string;
      project: string;
      branch: string;
      path: string;
    }
  | {
      type: 'kubernetes-object';
      cluster: string;
      apiVersion: string;
      kind: string;
      name: string;
      namespace?: string;
    }
  | {
      type: 'catalog-location';
      id: string;
      target: string;
      entityRef?: string;
    };

const MARKER = 'undo-record';

/**
 * Writes a record to the task log. The log is the durable record of what a task created, even
 * when the task fails half-way (a failed task has no outputs): auditors read it, and `idp:undo`
 * reads it back through the scaffolder API to clean up.
 */
export function recordCreated(
  logger: LoggerService,
  resource: CreatedResource,
  description: string,
): CreatedResource {
  logger.info(`${description} [${MARKER} ${JSON.stringify(resource)}]`);
  return resource;
}

/** The records in task log messages, in order, without duplicates. */
export function parseRecords(messages: string[]): CreatedResource[] {
  const seen = new Set<string>();
  const out: CreatedResource[] = [];
  const re = new RegExp(`\\[${MARKER} (\\{.*\\})\\]\\s*$`);
  for (const message of messages) {
    const match = re.exec(message);
    if (!match) continue;
    try {
      const parsed = JSON.parse(match[1]) as CreatedResource;
      const key = resourceKey(parsed);
      if (typeof parsed.type === 'string' && !seen.has(key)) {
        seen.add(key);
        out.push(parsed);
      }
    } catch {
      // not ours
    }
  }
  return out;
}

/** A stable identity for a record (for de-duplication and checkpoint keys). */
export function resourceKey(r: CreatedResource): string {
  switch (r.type) {
    case 'gitlab-project':
      return `gitlab-project:${r.host}:${r.id}`;
    case 'gitlab-access-token':
      return `gitlab-access-token:${r.host}:${r.projectId}:${r.tokenId}`;
    case 'gitlab-deploy-token':
      return `gitlab-deploy-token:${r.host}:${r.projectId}:${r.tokenId}`;
    case 'gitlab-variable':
      return `gitlab-variable:${r.host}:${r.projectId}:${r.key}`;
    case 'gitops-file':
      return `gitops-file:${r.host}:${r.project}:${r.branch}:${r.path}`;
    case 'kubernetes-object':
      return `kubernetes-object:${r.cluster}:${r.apiVersion}:${r.kind}:${
        r.namespace ?? ''
      }:${r.name}`;
    case 'catalog-location':
      return `catalog-location:${r.id}`;
    default:
      return JSON.stringify(r);
  }
}
