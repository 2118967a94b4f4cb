import { Config } from '@backstage/config';
import { InputError, NotAllowedError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  ClusterClient,
  ENVIRONMENTS,
  readIdpConfig,
} from '@internal/plugin-idp-node';
import { sleep } from './helpers';
import { environmentsOf, verifiedComponent } from './prepareEnvironment';
import { Tenancy } from './tenancy';
import { examples } from './removeEnvironment.examples';

/**
 * `idp:environment:remove`: removes one environment of a service and keeps the service: its
 * ApplicationEnvironment is deleted, and the action waits until it is gone, so Crossplane has
 * removed what it composed (the namespace with everything in it, the Argo CD Application). The
 * deployment repository keeps the environment's branch, so adding the environment again deploys
 * the same configuration.
 *
 * Checked first, on the server: the component's owner (its catalog team) must be the user's
 * team (platform engineers: any, except production, which only its team removes); the
 * environment must be one of the service's own (an XR with the component's and the team's
 * marks); `confirmation` must be its name; and the last environment is not removed (that is the
 * decommission template's job, which also removes the repositories and the catalog entry).
 *
 * @public
 */
export function removeEnvironmentAction(options: {
  config: Config;
  tenancy: Tenancy;
}) {
  const { config, tenancy } = options;
  return createTemplateAction({
    id: 'idp:environment:remove',
    description:
      'Removes one environment of a service (its ApplicationEnvironment, and with it the namespace and the Argo CD Application), keeping the service and its other environments.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        component: z =>
          z
            .string({ description: 'The service: a catalog Component ref' })
            .min(1)
            .max(255),
        environment: z =>
          z.enum(ENVIRONMENTS, { description: 'The environment to remove' }),
        confirmation: z =>
          z
            .string({
              description:
                "The environment's name, <component>-<environment>, typed to confirm",
            })
            .max(255),
        timeoutSeconds: z =>
          z
            .number({
              description:
                'How long to wait until it is gone (default idp.environment.waitTimeoutSeconds)',
            })
            .int()
            .min(1)
            .max(7200)
            .optional(),
      },
      output: {
        name: z =>
          z.string({ description: 'The ApplicationEnvironment removed' }),
        cluster: z => z.string({ description: 'The cluster it was on' }),
        namespace: z =>
          z.string({ description: 'The namespace that went with it' }),
        remaining: z =>
          z.array(z.string(), {
            description: 'The environments the service keeps',
          }),
      },
    },
    async handler(ctx) {
      const { input } = ctx;
      const settings = readIdpConfig(config).environment;
      const { name: component, team } = await verifiedComponent(
        tenancy,
        ctx,
        input.component,
      );
      if (
        input.environment === 'production' &&
        team.grantedBy !== 'membership'
      ) {
        throw new NotAllowedError(
          `environment: the production environment of ${component} is removed only by ${team.ref}'s own members`,
        );
      }
      const environments = await environmentsOf(config, component, team.name);
      const target = environments.find(
        e => e.object.spec.environment === input.environment,
      );
      const names = environments.map(e => e.object.spec.environment);
      if (!target) {
        throw new InputError(
          `Invalid input. environment: ${component} has no ${
            input.environment
          } environment; it has ${names.join(', ') || 'none'}`,
        );
      }
      const name = target.object.metadata.name!;
      if (input.confirmation !== name) {
        throw new InputError(
          `Invalid input. confirmation: type the environment's name, ${name}, to remove it`,
        );
      }
      if (environments.length === 1) {
        throw new InputError(
          `Invalid input. environment: ${input.environment} is ${component}'s only environment; decommission the service instead (the decommission template removes its repositories and catalog entry too)`,
        );
      }
      const namespace = String(target.object.status?.namespace ?? '');
      const remaining = names.filter(n => n !== input.environment);
      ctx.output('name', name);
      ctx.output('cluster', target.cluster);
      ctx.output('namespace', namespace);
      ctx.output('remaining', remaining);
      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would remove ${settings.kind} ${name} from cluster ${
            target.cluster
          }; ${component} keeps ${remaining.join(', ')}`,
        );
        return;
      }
      const cluster = ClusterClient.fromConfig(config, target.cluster);
      const ref = {
        apiVersion: settings.apiVersion,
        kind: settings.kind,
        name,
        namespace: target.object.metadata.namespace,
      };
      await ctx.checkpoint({
        key: `v1.idp.environment.remove.${target.cluster}.${name}.${target.object.metadata.uid}`,
        fn: async () => {
          await cluster.delete(ref);
        },
      });
      ctx.logger.info(
        `Deleting ${settings.kind} ${name} on cluster ${target.cluster}; waiting until Crossplane has removed what it composed`,
      );
      const timeoutMs =
        (input.timeoutSeconds ?? settings.waitTimeoutSeconds) * 1000;
      const deadline = Date.now() + timeoutMs;
      while (await cluster.get(ref)) {
        if (Date.now() > deadline) {
          throw new Error(
            `${settings.kind} ${name} is still present after ${Math.round(
              timeoutMs / 1000,
            )} s; check its finalizers and composed resources (kubectl describe), then run this again`,
          );
        }
        await sleep(settings.pollIntervalSeconds * 1000, ctx.signal);
      }
      ctx.logger.info(
        `Removed ${input.environment} of ${component}${
          namespace ? ` (namespace ${namespace})` : ''
        }; it keeps ${remaining.join(', ')}`,
      );
    },
  });
}
