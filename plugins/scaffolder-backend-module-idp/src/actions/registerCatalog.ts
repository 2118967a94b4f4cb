import { Config } from '@backstage/config';
import { InputError, NotAllowedError } from '@backstage/errors';
import {
  ANNOTATION_ORIGIN_LOCATION,
  Entity,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { ScmIntegrations } from '@backstage/integration';
import { readIdpConfig } from '@internal/plugin-idp-node';
import { assertValid, sleep } from './helpers';
import { recordCreated } from './createdResources';
import { Tenancy, verifyOwner } from './tenancy';
import { examples } from './registerCatalog.examples';

function processingErrors(entity: Entity): string[] {
  return ((entity as any).status?.items ?? [])
    .filter((i: any) => i.level === 'error')
    .map(
      (i: any) =>
        `${i.error?.name ?? 'Error'}: ${i.error?.message ?? i.message ?? ''}`,
    );
}

/** The entity a golden path is about: the first Component, else the first non-Location. */
function mainEntity(entities: Entity[]): Entity | undefined {
  return (
    entities.find(e => e.kind === 'Component') ??
    entities.find(e => e.kind !== 'Location')
  );
}

/** Kinds a team may register from its own repository (the catalog's rules allow no more). */
const REGISTRABLE_KINDS = ['Component', 'API', 'Location'];

/**
 * With an owner: the file must be in the team's GitLab group and describe only what the team may
 * register, owned by the team, checked with the catalog's own dry run before anything is
 * registered. The catalog's tenancy rules refuse the same things later too (a file edited after
 * registration), but then only as a processing error; here the task says why, at once.
 */
async function checkRegistration(
  catalog: CatalogService,
  config: Config,
  target: string,
  team: { ref: string; gitlabGroup: string },
  credentials: any,
) {
  const integration = ScmIntegrations.fromConfig(config).gitlab.byUrl(target);
  const base = integration?.config.baseUrl.replace(/\/+$/, '');
  if (!base || !target.startsWith(`${base}/${team.gitlabGroup}/`)) {
    throw new NotAllowedError(
      `catalogInfoUrl: ${target} is not in ${team.ref}'s GitLab group (${
        base ?? 'GitLab'
      }/${team.gitlabGroup}/…); a team registers only its own repositories`,
    );
  }
  const { entities } = await catalog.addLocation(
    { type: 'url', target, dryRun: true },
    { credentials },
  );
  const problems: string[] = [];
  for (const entity of entities ?? []) {
    if (entity.metadata.name.startsWith('generated-')) continue;
    const ref = stringifyEntityRef(entity);
    if (!REGISTRABLE_KINDS.includes(entity.kind)) {
      problems.push(
        `${ref}: a team may register only ${REGISTRABLE_KINDS.join(', ')}`,
      );
      continue;
    }
    if (entity.kind === 'Location') continue;
    let owner = String(entity.spec?.owner ?? '');
    try {
      owner = stringifyEntityRef(
        parseEntityRef(owner, {
          defaultKind: 'group',
          defaultNamespace: 'default',
        }),
      ).toLocaleLowerCase('en-US');
    } catch {
      // reported below
    }
    if (owner !== team.ref) {
      problems.push(`${ref}: spec.owner is '${owner}', must be ${team.ref}`);
    }
  }
  if (problems.length > 0) {
    throw new NotAllowedError(
      `Refusing to register ${target}: ${problems.join(
        '; ',
      )}. Nothing was registered`,
    );
  }
}

/**
 * `idp:catalog:register`: registers a catalog-info location (no error when it already is), waits
 * until its entity is in the catalog with no processing errors, and reports those errors when
 * there are. The built-in `catalog:register` returns as soon as the location row exists, so the
 * template's "open in catalog" link often leads to a 404 or an entity that failed to process.
 *
 * @public
 */
export function registerCatalogAction(options: {
  config: Config;
  catalog: CatalogService;
  tenancy: Tenancy;
}) {
  const { config, catalog, tenancy } = options;
  return createTemplateAction({
    id: 'idp:catalog:register',
    description:
      'Registers a catalog-info.yaml location and waits until its entity is in the catalog without processing errors.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        catalogInfoUrl: z =>
          z
            .string({ description: 'Full URL of the catalog-info.yaml' })
            .max(2048)
            .optional(),
        repoContentsUrl: z =>
          z
            .string({
              description:
                'Repository contents URL (an output of idp:gitlab:create-app-repo)',
            })
            .max(2048)
            .optional(),
        catalogInfoPath: z =>
          z
            .string({
              description:
                'Path in the repository (default /catalog-info.yaml)',
            })
            .max(1024)
            .optional(),
        owner: z =>
          z
            .string({
              description:
                "The owning team (e.g. 'group:default/team-payments'): the file must be in its GitLab group and every entity in it owned by it; checked before registering",
            })
            .max(255)
            .optional(),
        timeoutSeconds: z =>
          z
            .number({
              description:
                'How long to wait for the entity (default idp.catalog.waitTimeoutSeconds or 120)',
            })
            .int()
            .min(1)
            .max(3600)
            .optional(),
      },
      output: {
        entityRef: z =>
          z.string({ description: 'Ref of the registered entity' }),
        locationId: z => z.string({ description: 'Catalog location id' }),
        created: z =>
          z.array(z.any(), {
            description: 'What this step created, for idp:undo',
          }),
      },
    },
    async handler(ctx) {
      const input = ctx.input;
      let target = input.catalogInfoUrl;
      if (!target) {
        if (!input.repoContentsUrl) {
          throw new InputError(
            'Invalid input. catalogInfoUrl or repoContentsUrl is required',
          );
        }
        const path = input.catalogInfoPath ?? '/catalog-info.yaml';
        target = `${input.repoContentsUrl.replace(/\/+$/, '')}/${path.replace(
          /^\/+/,
          '',
        )}`;
      }
      let url: URL | undefined;
      try {
        url = new URL(target);
      } catch {
        url = undefined;
      }
      assertValid({
        catalogInfoUrl:
          url && /^https?:$/.test(url.protocol)
            ? []
            : [`'${target}' is not an http(s) URL`],
        catalogInfoPath:
          input.catalogInfoPath &&
          /(^|\/)\.\.(\/|$)/.test(input.catalogInfoPath)
            ? ['must not contain ..']
            : [],
      });
      const team = input.owner
        ? await verifyOwner(tenancy, ctx, input.owner)
        : undefined;
      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would register ${target} and wait for its entity`,
        );
        ctx.output('entityRef', 'component:default/dry-run');
        ctx.output('locationId', 'dry-run');
        ctx.output('created', []);
        return;
      }
      const credentials = await ctx.getInitiatorCredentials();
      if (team) {
        await checkRegistration(catalog, config, target, team, credentials);
      }
      const location = await ctx.checkpoint({
        key: `v1.idp.catalog.location.${target}`,
        fn: async () => {
          const existing = await catalog.getLocationByRef(`url:${target}`, {
            credentials,
          });
          if (existing) {
            ctx.logger.info(
              `${target} is already registered (location ${existing.id})`,
            );
            return { id: existing.id };
          }
          try {
            const added = await catalog.addLocation(
              { type: 'url', target: target! },
              { credentials },
            );
            return { id: added.location.id };
          } catch (e) {
            // Registered by someone else between our read and our add.
            if ((e as Error).name !== 'ConflictError') throw e;
            const now = await catalog.getLocationByRef(`url:${target}`, {
              credentials,
            });
            if (!now) throw e;
            return { id: now.id };
          }
        },
      });
      const timeoutMs =
        (input.timeoutSeconds ??
          readIdpConfig(config).catalog.waitTimeoutSeconds) * 1000;
      const deadline = Date.now() + timeoutMs;
      ctx.logger.info(`Waiting for the catalog to process ${target}`);
      let entity: Entity | undefined;
      let errors: string[] = [];
      // Errors can be transient (the first read raced the push); ones that persist this long are not.
      let erroredSince: number | undefined;
      // The entity usually appears within one or two processing rounds of the catalog (about a
      // second each): poll often at first, then back off to once a second. The golden-path
      // benchmark showed a fixed 1 s poll costing about half a second per run.
      let pollMs = 200;
      for (;;) {
        const { items } = await catalog.getEntities(
          {
            filter: {
              [`metadata.annotations.${ANNOTATION_ORIGIN_LOCATION}`]: `url:${target}`,
            },
          },
          { credentials },
        );
        entity = mainEntity(items);
        errors = entity ? processingErrors(entity) : [];
        if (entity && errors.length === 0) break;
        erroredSince =
          errors.length > 0 ? erroredSince ?? Date.now() : undefined;
        if (erroredSince !== undefined && Date.now() - erroredSince > 10_000)
          break;
        if (Date.now() >= deadline) break;
        await sleep(pollMs, ctx.signal);
        pollMs = Math.min(1000, Math.round(pollMs * 1.5));
      }
      const entityRef = entity ? stringifyEntityRef(entity) : undefined;
      recordCreated(
        ctx.logger,
        { type: 'catalog-location', id: location.id, target, entityRef },
        `Catalog location ${location.id} (${target})`,
      );
      if (!entity) {
        const { items: locations } = await catalog.getEntities(
          { filter: { kind: 'Location', 'spec.target': target } },
          { credentials },
        );
        const locationErrors = locations.flatMap(processingErrors);
        throw new Error(
          `No entity from ${target} appeared in the catalog within ${
            timeoutMs / 1000
          } s${
            locationErrors.length ? `: ${locationErrors.join('; ')}` : ''
          }. Check that the file exists on the default branch and is valid catalog YAML`,
        );
      }
      if (errors.length > 0) {
        throw new Error(
          `${entityRef} is in the catalog but failed processing: ${errors.join(
            '; ',
          )}`,
        );
      }
      ctx.logger.info(`${entityRef} is in the catalog`);
      ctx.output('entityRef', entityRef!);
      ctx.output('locationId', location.id);
      ctx.output('created', [
        { type: 'catalog-location', id: location.id, target, entityRef },
      ]);
    },
  });
}
