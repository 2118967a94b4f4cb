import { AuditorService, LoggerService } from '@backstage/backend-plugin-api';
import { JsonObject } from '@backstage/types';
import { TemplateAction } from '@backstage/plugin-scaffolder-node';
import { parseRecords, resourceKey } from './createdResources';

/** The audit event every run of a golden-path action writes. @public */
export const GOLDEN_PATH_AUDIT_EVENT = 'golden-path-action';

/** What an action acts on, named from its input, for the audit event. */
function targetOf(actionId: string, input: any): string {
  switch (actionId) {
    case 'idp:gitlab:create-app-repo':
      return `gitlab project ${input.group}/${input.name}`;
    case 'idp:gitlab:create-deploy-repo':
      return `gitlab project ${input.group}/${input.name}-deployment`;
    case 'idp:environment:apply':
      return `environment ${input.component}-${input.environment}${
        input.cluster ? ` on ${input.cluster}` : ''
      }`;
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
 * Wraps one of our actions so that every run with side effects writes one audit event through
 * Backstage's auditor service: the actor (the user who started the task; the auditor itself
 * would name the scaffolder, which runs the task), the action, its target, the task and
 * template, what it created or removed, and success or failure. A failure keeps what was
 * created before it, so the event says what is left behind.
 *
 * The records come from the same undo records the actions write to the task log
 * (`createdResources.ts`), so the audit trail and undo cannot disagree. Dry runs and
 * `checkOnly` runs change nothing and are not audited (the scaffolder audits the dry run).
 *
 * @public
 */
export function auditedAction<T extends TemplateAction<any, any, any>>(
  action: T,
  auditor: AuditorService,
): T {
  const handler = action.handler;
  return {
    ...action,
    async handler(ctx: Parameters<T['handler']>[0]) {
      if (ctx.isDryRun || (ctx.input as any)?.checkOnly) {
        return handler(ctx);
      }
      const created: string[] = [];
      const outputs: Record<string, unknown> = {};
      const logger = recordingLogger(ctx.logger, record =>
        created.push(record),
      );
      const wrapped = Object.assign(Object.create(ctx), {
        logger,
        output(name: string, value: unknown) {
          outputs[name] = value;
          (ctx.output as (n: string, v: unknown) => void)(name, value);
        },
      });
      const event = await auditor.createEvent({
        eventId: GOLDEN_PATH_AUDIT_EVENT,
        severityLevel: action.id === 'idp:undo' ? 'high' : 'medium',
        meta: {
          actor: ctx.user?.ref ?? null,
          action: action.id,
          target: targetOf(action.id, ctx.input),
          taskId: ctx.task.id,
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

/** A logger that passes everything on and reports each undo record it sees, once. */
function recordingLogger(
  logger: LoggerService,
  onRecord: (key: string) => void,
): LoggerService {
  const seen = new Set<string>();
  return watching(logger, message => {
    for (const record of parseRecords([message])) {
      const key = resourceKey(record);
      if (!seen.has(key)) {
        seen.add(key);
        onRecord(key);
      }
    }
  });
}

function watching(
  logger: LoggerService,
  watch: (message: string) => void,
): LoggerService {
  return {
    error: (m, meta) => logger.error(m, meta),
    warn: (m, meta) => logger.warn(m, meta),
    debug: (m, meta) => logger.debug(m, meta),
    info: (m, meta) => {
      watch(m);
      logger.info(m, meta);
    },
    child: meta => watching(logger.child(meta), watch),
  };
}
