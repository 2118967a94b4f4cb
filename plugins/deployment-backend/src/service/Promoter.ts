import { Config } from '@backstage/config';
import { Entity } from '@backstage/catalog-model';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import { Document, parseDocument } from 'yaml';
import {
  ENVIRONMENTS,
  GitLabApiError,
  GitLabClient,
  componentTopic,
  defaultGitLabHost,
  kubernetesIdOf,
  readIdpConfig,
  teamFromOwnerRef,
  teamGitLabGroup,
} from '@internal/plugin-idp-node';
import type {
  DeploymentStatus,
  EnvironmentDeployment,
  PendingPromotion,
  PromotionRequest,
  PromotionResult,
} from '@internal/plugin-deployment-common';

/** The branch prefix of promotion merge requests: how pending promotions are found again. */
export const PROMOTION_BRANCH_PREFIX = 'promote/';

/** `registry/app:1.2.0` → repository and tag; `…:1.2.0@sha256:…` keeps the digest in the tag. */
export function splitImage(
  image: string,
): { repository: string; tag: string } | undefined {
  const at = image.indexOf('@');
  const name = at >= 0 ? image.slice(0, at) : image;
  const digest = at >= 0 ? image.slice(at) : '';
  const colon = name.lastIndexOf(':');
  // A colon before the last slash is a registry port, not a tag.
  if (colon < 0 || colon < name.lastIndexOf('/')) return undefined;
  return {
    repository: name.slice(0, colon),
    tag: name.slice(colon + 1) + digest,
  };
}

/**
 * Why an environment's image may not be promoted, or undefined when it runs healthy: Argo CD
 * reports it Synced and Healthy, at least one pod runs, every pod is Running and ready with no
 * problem, and all of them run one image.
 */
export function unhealthyReason(
  env: EnvironmentDeployment,
): string | undefined {
  const app = env.application;
  if (!app) return 'it has no Argo CD Application';
  if (app.syncStatus !== 'Synced' || app.healthStatus !== 'Healthy') {
    return `Argo CD reports it ${app.syncStatus} and ${app.healthStatus}${
      app.healthMessage ? ` (${app.healthMessage})` : ''
    }`;
  }
  if (env.pods.length === 0) return 'no pod runs';
  for (const pod of env.pods) {
    if (pod.problem) {
      return `pod ${pod.name} is ${pod.problem}${
        pod.restarts ? ` (${pod.restarts} restarts)` : ''
      }`;
    }
    if (pod.phase !== 'Running' || pod.readyContainers < pod.totalContainers) {
      return `pod ${pod.name} is ${pod.phase}, ${pod.readyContainers}/${pod.totalContainers} containers ready`;
    }
  }
  const images = new Set(env.pods.map(p => p.image));
  if (images.size > 1) {
    return `its pods run ${images.size} different images (a rollout is in progress)`;
  }
  if (!env.pods[0].image) return 'its pods report no image';
  return undefined;
}

/**
 * Promotes the image that runs in one environment of a service to a later one, through the
 * service's GitOps deployment repository: into development or staging it commits
 * `environments/<env>.yaml` on the environment's branch (Argo CD deploys it); into production it
 * opens a merge request from a `promote/…` branch, so the approval is GitLab's (protected branch,
 * approvals) and the portal never bypasses it. What runs is read from the clusters (the same
 * read as the deployment view), never taken from the request: the request names only the two
 * environments.
 */
export class Promoter {
  static fromConfig(config: Config): Promoter {
    const idp = readIdpConfig(config);
    const host = defaultGitLabHost(config);
    return new Promoter(
      () => GitLabClient.fromConfig(config, { host, retry: idp.gitlab.retry }),
      idp.gitlab.teamsGroup,
    );
  }

  constructor(
    private readonly gitlab: () => GitLabClient,
    private readonly teamsGroup: string,
  ) {}

  /** The service's deployment project, by the naming rules, when it carries the golden path's mark. */
  private async project(entity: Entity) {
    const team = teamFromOwnerRef(entity.spec?.owner);
    const component = kubernetesIdOf(entity) ?? entity.metadata.name;
    if (!team) {
      throw new InputError(
        `${entity.metadata.name} is not owned by a team; only team services are promoted`,
      );
    }
    const path = `${teamGitLabGroup(
      team,
      this.teamsGroup,
    )}/${component}-deployment`;
    const gitlab = this.gitlab();
    const project = await gitlab.findProject(path);
    if (
      !project ||
      !(project.topics ?? []).includes(componentTopic(component))
    ) {
      throw new NotFoundError(
        `${component} has no deployment repository ${path} made by a golden path; promote it with a commit there`,
      );
    }
    return { gitlab, project, path, component };
  }

  /** Open promotion merge requests of the service's deployment repository. */
  async pending(entity: Entity): Promise<PendingPromotion[]> {
    const { gitlab, project } = await this.project(entity);
    const open = await gitlab.api.MergeRequests.all({
      projectId: project.id,
      state: 'opened',
      perPage: 100,
      maxPages: 1,
    });
    return open
      .filter(mr =>
        String(mr.source_branch).startsWith(PROMOTION_BRANCH_PREFIX),
      )
      .map(mr => ({
        environment: String(mr.target_branch),
        title: String(mr.title),
        url: String(mr.web_url),
        iid: Number(mr.iid),
        createdAt: String(mr.created_at),
        author: (mr.author as any)?.username,
      }));
  }

  /**
   * Promotes what runs in `request.from` to `request.to`. `status` is the service's deployment
   * as just read from the clusters; `actor` is recorded in the commit.
   */
  async promote(
    entity: Entity,
    status: DeploymentStatus,
    request: PromotionRequest,
    actor: string,
  ): Promise<PromotionResult> {
    const { from, to } = request;
    if (ENVIRONMENTS.indexOf(to as any) <= ENVIRONMENTS.indexOf(from as any)) {
      throw new InputError(
        `Invalid promotion: ${to} does not come after ${from} (the order is ${ENVIRONMENTS.join(
          ' → ',
        )})`,
      );
    }
    const environments = status.clusters.flatMap(c => c.environments);
    // Previews are development environments too, but never a promotion's source or target.
    const source = environments.find(e => e.environment === from && !e.preview);
    const target = environments.find(e => e.environment === to && !e.preview);
    if (!source) {
      throw new InputError(
        `Invalid promotion: the service has no ${from} environment`,
      );
    }
    if (!target) {
      throw new InputError(
        `Invalid promotion: the service has no ${to} environment; add it first (Add an environment)`,
      );
    }
    const why = unhealthyReason(source);
    if (why) {
      throw new ConflictError(
        `Not promoted: ${from} is not running healthy, ${why}. Promote an image once it runs healthy there`,
      );
    }
    const image = source.pods[0].image!;
    const parts = splitImage(image);
    if (!parts) {
      throw new ConflictError(
        `Not promoted: ${from} runs ${image}, which has no tag; the chart deploys repository:tag`,
      );
    }
    const { gitlab, project, path, component } = await this.project(entity);
    const file = `environments/${to}.yaml`;
    const branch = target.application?.targetRevision || to;
    const current = await gitlab.find(
      gitlab.api.RepositoryFiles.show(project.id, file, branch),
    );
    const doc: Document = current
      ? parseDocument(Buffer.from(current.content, 'base64').toString('utf8'))
      : new Document({});
    if (
      doc.getIn(['image', 'repository']) === parts.repository &&
      String(doc.getIn(['image', 'tag'])) === parts.tag
    ) {
      throw new ConflictError(
        `Not promoted: ${to} already deploys ${image} (${path}@${branch}:${file})`,
      );
    }
    doc.setIn(['image', 'repository'], parts.repository);
    doc.setIn(['image', 'tag'], parts.tag);
    const message = `Promote ${component} ${parts.tag} from ${from} to ${to}\n\n${image} ran healthy in ${from} (${source.pods.length} pods). Promoted-By: ${actor}`;
    const action = {
      action: current ? ('update' as const) : ('create' as const),
      filePath: file,
      content: doc.toString(),
    };
    if (to !== 'production') {
      const commit = await gitlab.api.Commits.create(
        project.id,
        branch,
        message,
        [action],
      );
      return {
        kind: 'commit',
        image,
        message: `Promoted ${image} to ${to}: commit ${String(
          commit.short_id,
        )} on ${path}@${branch}; Argo CD deploys it`,
        url: String(commit.web_url),
      };
    }
    // Production: a merge request, one branch per image, reused when it is already open.
    const sourceBranch = `${PROMOTION_BRANCH_PREFIX}${to}-${parts.tag.replace(
      /[^A-Za-z0-9._-]/g,
      '-',
    )}`.slice(0, 100);
    try {
      await gitlab.api.Branches.create(project.id, sourceBranch, branch);
    } catch (e) {
      if (!(e as GitLabApiError).isAlreadyTaken) throw e;
    }
    await gitlab.api.Commits.create(project.id, sourceBranch, message, [
      action,
    ]).catch(async e => {
      // A retry of the same promotion: the branch already has the change.
      const onBranch = await gitlab.find(
        gitlab.api.RepositoryFiles.show(project.id, file, sourceBranch),
      );
      const text = onBranch
        ? Buffer.from(onBranch.content, 'base64').toString('utf8')
        : '';
      if (!text.includes(parts.tag)) throw e;
    });
    const open = await gitlab.api.MergeRequests.all({
      projectId: project.id,
      state: 'opened',
      sourceBranch,
      perPage: 1,
      maxPages: 1,
    });
    const mr =
      open[0] ??
      (await gitlab.api.MergeRequests.create(
        project.id,
        sourceBranch,
        branch,
        `Promote ${component} ${parts.tag} to production`,
        {
          description: `${image} runs healthy in ${from} (${source.pods.length} pods, Argo CD Synced and Healthy).\n\nProposed from the portal by ${actor}. Merging deploys it to production.`,
          removeSourceBranch: true,
        },
      ));
    return {
      kind: 'merge-request',
      image,
      message: `Proposed ${image} for production: merge request !${mr.iid} on ${path}; merging it deploys it`,
      url: String(mr.web_url),
    };
  }
}
