import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import {
  AuditorService,
  AuthService,
  BackstageCredentials,
  BackstageServicePrincipal,
  BackstageUserPrincipal,
  HttpAuthService,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  deploymentActionPermission,
  deploymentReadPermission,
} from '@internal/plugin-deployment-common';
import { teamFromOwnerRef } from '@internal/plugin-idp-node';
import { DeploymentReader } from './DeploymentReader';
import { Promoter } from './Promoter';
import { PreviewEnvironments } from './PreviewEnvironments';

const previewSchema = z
  .object({
    branch: z.string().min(1).max(255),
    mergeRequest: z.number().int().min(1).optional(),
    name: z.string().min(1).max(63).optional(),
    image: z.string().min(1).max(512).optional(),
    ttlHours: z.number().positive().optional(),
  })
  .strict();

const promotionSchema = z.object({
  from: z.enum(['development', 'staging', 'production']),
  to: z.enum(['development', 'staging', 'production']),
});

const actionSchema = z.object({
  action: z.enum(['refresh', 'sync']),
  cluster: z.string().min(1).max(253),
  application: z.string().min(1).max(253),
});

/** The entity ref a route's `:namespace/:kind/:name` names. */
function refOf(params: Record<string, string>): string {
  return stringifyEntityRef({
    kind: params.kind,
    namespace: params.namespace,
    name: params.name,
  });
}

/** A request body checked against its schema, or an InputError naming every problem. */
function parseBody<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new InputError(
      `Invalid ${what}: ${parsed.error.issues
        .map(i => `${i.path.join('.') || 'body'}: ${i.message}`)
        .join('; ')}`,
    );
  }
  return parsed.data;
}

/**
 * The deployment view's HTTP API:
 * - `GET /entities/:namespace/:kind/:name`: the entity's deployment status on every cluster, if
 *   the caller may read the entity and `deployment.status.read` allows it;
 * - `POST /entities/:namespace/:kind/:name/actions`: refresh or sync one of its Argo CD
 *   Applications, if `deployment.application.act` allows it for that entity; audited.
 * - `GET /entities/:namespace/:kind/:name/promotions`: its open promotion merge requests;
 * - `POST /entities/:namespace/:kind/:name/promotions`: promote what runs in one environment to
 *   a later one (a commit, or a merge request into production), under the same permission as
 *   sync; audited.
 * - `GET /entities/:namespace/:kind/:name/previews`: its preview environments;
 * - `POST /entities/:namespace/:kind/:name/previews` and `DELETE …/previews/:preview`: create
 *   (or renew) and remove a preview of a branch, as a user with the sync permission, or as a
 *   pipeline whose external access token's subject `deployment.previews.pipelines` maps to the
 *   entity's team; audited.
 */
export async function createRouter(options: {
  reader: DeploymentReader;
  promoter: Promoter;
  previews: PreviewEnvironments;
  catalog: CatalogService;
  httpAuth: HttpAuthService;
  auth: AuthService;
  permissions: PermissionsService;
  auditor: AuditorService;
  logger: LoggerService;
}): Promise<express.Router> {
  const {
    reader,
    promoter,
    previews,
    catalog,
    httpAuth,
    auth,
    permissions,
    auditor,
  } = options;
  const router = Router();
  router.use(express.json());

  const entityOf = async (
    params: Record<string, string>,
    credentials: Awaited<ReturnType<HttpAuthService['credentials']>>,
  ) => {
    const ref = refOf(params);
    // The catalog's own permissions decide whether the caller may see the entity.
    const entity = await catalog.getEntityByRef(ref, { credentials });
    if (!entity) throw new NotFoundError(`No entity ${ref} in the catalog`);
    return entity;
  };

  router.get('/entities/:namespace/:kind/:name', async (req, res) => {
    const credentials = await httpAuth.credentials(req);
    const entity = await entityOf(req.params, credentials);
    const entityRef = stringifyEntityRef(entity);
    const [decision] = await permissions.authorize(
      [{ permission: deploymentReadPermission, resourceRef: entityRef }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `You may not see the deployment status of ${entityRef}`,
      );
    }
    res.json(await reader.read(entity));
  });

  const mayRead = async (
    entityRef: string,
    credentials: Awaited<ReturnType<HttpAuthService['credentials']>>,
  ) => {
    const [decision] = await permissions.authorize(
      [{ permission: deploymentReadPermission, resourceRef: entityRef }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `You may not see the deployment status of ${entityRef}`,
      );
    }
  };

  router.get(
    '/entities/:namespace/:kind/:name/promotions',
    async (req, res) => {
      const credentials = await httpAuth.credentials(req);
      const entity = await entityOf(req.params, credentials);
      await mayRead(stringifyEntityRef(entity), credentials);
      res.json(await promoter.pending(entity));
    },
  );

  router.post(
    '/entities/:namespace/:kind/:name/promotions',
    async (req, res) => {
      const credentials = await httpAuth.credentials(req, { allow: ['user'] });
      const body = parseBody(promotionSchema, req.body, 'promotion');
      const entityRef = refOf(req.params);
      const event = await auditor.createEvent({
        eventId: 'environment-promotion',
        severityLevel: body.to === 'production' ? 'high' : 'medium',
        request: req,
        meta: { entityRef, from: body.from, to: body.to },
      });
      try {
        const [decision] = await permissions.authorize(
          [{ permission: deploymentActionPermission, resourceRef: entityRef }],
          { credentials },
        );
        if (decision.result !== AuthorizeResult.ALLOW) {
          throw new NotAllowedError(
            `You may not promote ${entityRef}: only its owners and platform engineers may`,
          );
        }
        const entity = await entityOf(req.params, credentials);
        const result = await promoter.promote(
          entity,
          await reader.read(entity),
          body,
          credentials.principal.userEntityRef,
        );
        await event.success({
          meta: { kind: result.kind, image: result.image, url: result.url },
        });
        res.status(201).json(result);
      } catch (error) {
        await event.fail({ error: error as Error });
        throw error;
      }
    },
  );

  /**
   * Who may change the entity's previews, and the name they are recorded under: a user the
   * sync permission allows for the entity, or a pipeline whose token's subject is mapped to the
   * entity's own team (the catalog's owner, checked here; the request names only the entity).
   * Any other service token is refused, whatever the framework would allow it.
   */
  const previewActor = async (
    params: Record<string, string>,
    credentials: BackstageCredentials<
      BackstageUserPrincipal | BackstageServicePrincipal
    >,
  ): Promise<{ entity: Entity; actor: string }> => {
    const entityRef = refOf(params);
    if (credentials.principal.type === 'user') {
      const [decision] = await permissions.authorize(
        [{ permission: deploymentActionPermission, resourceRef: entityRef }],
        { credentials },
      );
      if (decision.result !== AuthorizeResult.ALLOW) {
        throw new NotAllowedError(
          `You may not change the previews of ${entityRef}: only its owners and platform engineers may`,
        );
      }
      return {
        entity: await entityOf(params, credentials),
        actor: credentials.principal.userEntityRef,
      };
    }
    const subject = credentials.principal.subject;
    const team = previews.pipelineTeam(subject);
    if (!team) {
      throw new NotAllowedError(
        `The token of ${subject} may not change previews: it is not in deployment.previews.pipelines`,
      );
    }
    // The pipeline's token reaches this plugin only (its access restrictions): the entity is
    // read as this plugin, and what the token may do is decided here, from the catalog's owner.
    const entity = await entityOf(
      params,
      await auth.getOwnServiceCredentials(),
    );
    const owner = entity.spec?.owner;
    if (teamFromOwnerRef(owner) !== team) {
      throw new NotAllowedError(
        `The token of ${subject} may change previews of team ${team}'s services only; ${entityRef} is owned by ${String(
          owner,
        )}`,
      );
    }
    return { entity, actor: `pipeline:${subject}` };
  };

  router.get('/entities/:namespace/:kind/:name/previews', async (req, res) => {
    const credentials = await httpAuth.credentials(req);
    const entity = await entityOf(req.params, credentials);
    await mayRead(stringifyEntityRef(entity), credentials);
    res.json(await previews.list(entity));
  });

  router.post('/entities/:namespace/:kind/:name/previews', async (req, res) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const body = parseBody(previewSchema, req.body, 'preview');
    const entityRef = refOf(req.params);
    const event = await auditor.createEvent({
      eventId: 'environment-preview',
      severityLevel: 'medium',
      request: req,
      meta: {
        actionType: 'create',
        entityRef,
        branch: body.branch,
        mergeRequest: body.mergeRequest,
      },
    });
    try {
      const { entity, actor } = await previewActor(req.params, credentials);
      const result = await previews.upsert(entity, body, actor);
      await event.success({
        meta: {
          actor,
          outcome: result.outcome,
          resource: result.resource,
          cluster: result.cluster,
          expiresAt: result.preview.expiresAt,
          image: result.preview.image,
        },
      });
      res.status(result.outcome === 'created' ? 201 : 200).json(result);
    } catch (error) {
      await event.fail({ error: error as Error });
      throw error;
    }
  });

  router.delete(
    '/entities/:namespace/:kind/:name/previews/:preview',
    async (req, res) => {
      const credentials = await httpAuth.credentials(req, {
        allow: ['user', 'service'],
      });
      const entityRef = refOf(req.params);
      const event = await auditor.createEvent({
        eventId: 'environment-preview',
        severityLevel: 'medium',
        request: req,
        meta: { actionType: 'remove', entityRef, preview: req.params.preview },
      });
      try {
        const { entity, actor } = await previewActor(req.params, credentials);
        const removed = await previews.remove(entity, req.params.preview);
        await event.success({ meta: { actor, removed } });
        res.status(202).json({
          message: removed
            ? `Preview ${req.params.preview} is being removed`
            : `Preview ${req.params.preview} was already gone`,
        });
      } catch (error) {
        await event.fail({ error: error as Error });
        throw error;
      }
    },
  );

  router.post('/entities/:namespace/:kind/:name/actions', async (req, res) => {
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    const request = parseBody(actionSchema, req.body, 'action');
    const entityRef = refOf(req.params);
    const event = await auditor.createEvent({
      eventId: 'argocd-application',
      severityLevel: request.action === 'sync' ? 'medium' : 'low',
      request: req,
      meta: {
        actionType: request.action,
        entityRef,
        cluster: request.cluster,
        application: request.application,
      },
    });
    try {
      const [decision] = await permissions.authorize(
        [{ permission: deploymentActionPermission, resourceRef: entityRef }],
        { credentials },
      );
      if (decision.result !== AuthorizeResult.ALLOW) {
        throw new NotAllowedError(
          `You may not ${request.action} the Argo CD Applications of ${entityRef}: only its owners and platform engineers may`,
        );
      }
      const entity = await entityOf(req.params, credentials);
      const message = await reader.act(
        entity,
        request,
        credentials.principal.userEntityRef,
      );
      await event.success({ meta: { message } });
      res.status(202).json({ message });
    } catch (error) {
      await event.fail({ error: error as Error });
      throw error;
    }
  });

  return router;
}
