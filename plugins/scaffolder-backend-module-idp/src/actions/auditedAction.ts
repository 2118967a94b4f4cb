import { AuditorService, LoggerService } from '@backstage/backend-plugin-api';
import { JsonObject } from '@backstage/types';
import { TemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  CreatedResource,
  RECORD_META,
  recordLine,
  resourceKey,
  signRecord,
} from './createdResources';
import { RecordSigner } from '../records/RecordSigner';

/** The audit event every run of a golden-path action writes. @public */
export const GOLDEN_PATH_AUDIT_EVENT = 'golden-path-action';

/** What an action acts on, named from its input, for the audit event. */
function targetOf(actionId: string, input: any): string {
  switch (actionId) {
    case 'idp:gitlab:create-app-repo':
      return `gitlab project ${input.name} of ${input.owner}`;
    case 'idp:gitlab:create-deploy-repo':
      return `gitlab project ${input.name}-deployment of ${input.owner}`;
    case 'idp:environment:apply':
      return `environment ${input.component}-${input.environment}${
        input.cluster ? ` on ${input.cluster}` : ''
      }`;
    case 'idp:environment:prepare':
    case 'idp:environment:remove':
      return `environment ${input.environment} of ${input.component}`;
    case 'idp:catalog:register':
      return `catalog location ${input.repoContentsUrl}${
        input.catalogInfoPath ?? ''
      }`;
    case 'idp:undo':
      return input.entityRef
        ? `golden path of ${input.entityRef}`
        : `task ${input.taskId}`;
    default:
      return actionId;
  }
}

/**
 * Wraps one of our actions so that:
 *
 * - every record of something it created (`recordCreated`) is written to the task log signed
 *   for this task and step ({@link RecordSigner}), and its `created` output carries the same
 *   signed records. Only records written here are accepted by `idp:undo`: a line some other
 *   step logs, or a value a user typed that ends up in a message, is never a record.
 * - every run with side effects writes one audit event through Backstage's auditor service: the
 *   actor (the user who started the task; the auditor itself would name the scaffolder, which
 *   runs the task), the action, its target, the task and template, what it created or removed,
 *   and success or failure. A failure keeps what was created before it, so the event says what
 *   is left behind. Dry runs and `checkOnly` runs change nothing and are not audited (the
 *   scaffolder audits the dry run).
 *
 * The audit trail and undo read the same records, so they cannot disagree.
 *
 * @public
 */
export function auditedAction<T extends TemplateAction<any, any, any>>(
  action: T,
  deps: { auditor: AuditorService; signer: RecordSigner },
): T {
  const { auditor, signer } = deps;
  const handler = action.handler;
  return {
    ...action,
    async handler(ctx: Parameters<T['handler']>[0]) {
      const taskId = ctx.task.id;
      const stepId = ctx.step?.id ?? '';
      const created: string[] = [];
      const outputs: Record<string, unknown> = {};
      const logger = recordingLogger(ctx.logger, (resource, description) => {
        const signed = signRecord(signer, resource, taskId, stepId);
        const key = resourceKey(resource);
        if (!created.includes(key)) created.push(key);
        return recordLine(description, signed);
      });
      const wrapped = Object.assign(Object.create(ctx), {
        logger,
        output(name: string, value: unknown) {
          const out =
            name === 'created' && Array.isArray(value)
              ? value.map(r => signRecord(signer, r, taskId, stepId))
              : value;
          outputs[name] = out;
          (ctx.output as (n: string, v: unknown) => void)(name, out);
        },
      });
      if (ctx.isDryRun || (ctx.input as any)?.checkOnly) {
        return handler(wrapped);
      }
      const event = await auditor.createEvent({
        eventId: GOLDEN_PATH_AUDIT_EVENT,
        severityLevel: action.id === 'idp:undo' ? 'high' : 'medium',
        meta: {
          actor: ctx.user?.ref ?? null,
          action: action.id,
          target: targetOf(action.id, ctx.input),
          taskId,
          template: ctx.templateInfo?.entityRef ?? null,
          stepId: ctx.step?.id ?? null,
        },
      });
      const meta = (): JsonObject => ({
        created: [...created],
        ...(Array.isArray(outputs.removed) && {
          removed: outputs.removed as string[],
        }),
      });
      try {
        const result = await handler(wrapped);
        await event.success({ meta: meta() });
        return result;
      } catch (error) {
        await event.fail({ error: error as Error, meta: meta() });
        throw error;
      }
    },
  } as T;
}

/**
 * A logger that passes everything on, but turns a record handed over by `recordCreated` (under
 * {@link RECORD_META}) into its signed line.
 */
function recordingLogger(
  logger: LoggerService,
  sign: (resource: CreatedResource, description: string) => string,
): LoggerService {
  return {
    error: (m, meta) => logger.error(m, meta),
    warn: (m, meta) => logger.warn(m, meta),
    debug: (m, meta) => logger.debug(m, meta),
    info: (m, meta) => {
      const resource = (meta as any)?.[RECORD_META] as
        | CreatedResource
        | undefined;
      if (!resource) {
        logger.info(m, meta);
        return;
      }
      const { [RECORD_META]: _record, ...rest } = meta as any;
      logger.info(
        sign(resource, m),
        Object.keys(rest).length ? rest : undefined,
      );
    },
    child: meta => recordingLogger(logger.child(meta), sign),
  };
}
