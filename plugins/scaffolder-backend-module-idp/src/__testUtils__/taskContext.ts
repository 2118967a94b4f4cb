import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { LoggerService } from '@backstage/backend-plugin-api';
import { mockCredentials } from '@backstage/backend-test-utils';
import { ActionContext } from '@backstage/plugin-scaffolder-node';

/**
 * One scaffolder task as the actions see it, across attempts: the checkpoint store outlives an
 * attempt the way the task's state row does in the scaffolder's database, with the same
 * semantics as the scaffolder's NunjucksWorkflowRunner (a stored truthy value is returned
 * without running `fn`; failures are not stored).
 */
export class TestTask {
  readonly id: string;
  readonly checkpoints = new Map<string, unknown>();
  readonly logs: string[] = [];
  /** The log as the scaffolder stores it: each message with the step that logged it. */
  readonly events: Array<{ message: string; stepId: string }> = [];
  readonly outputs: Record<string, unknown>[] = [];
  readonly workspaces: string[] = [];

  constructor(id?: string) {
    this.id = id ?? randomUUID();
  }

  /** Forgets the checkpoints, as if the task died before any was saved. */
  forgetCheckpoints() {
    this.checkpoints.clear();
  }

  logger(stepId = ''): LoggerService {
    const write = (level: string) => (message: string, meta?: unknown) => {
      this.logs.push(
        `${level}: ${message}${meta ? ` ${JSON.stringify(meta)}` : ''}`,
      );
      this.events.push({ message, stepId });
    };
    const logger: LoggerService = {
      info: write('info'),
      warn: write('warn'),
      error: write('error'),
      debug: write('debug'),
      child: () => logger,
    };
    return logger;
  }

  /** A context for one step attempt; `files` are written into a fresh workspace. */
  context<I extends Record<string, any>>(
    input: I,
    options: {
      files?: Record<string, string>;
      dryRun?: boolean;
      /** The step id (default: the input's action-like name or 'step'). */
      stepId?: string;
      /** Who started the task (default Diego Alvarez of team-payments). */
      user?: string;
    } = {},
  ): ActionContext<any, any> & { outputs: Record<string, any> } {
    const workspacePath = fs.mkdtempSync(path.join(os.tmpdir(), 'idp-task-'));
    this.workspaces.push(workspacePath);
    for (const [file, content] of Object.entries(options.files ?? {})) {
      const target = path.join(workspacePath, file);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, content);
    }
    const outputs: Record<string, any> = {};
    this.outputs.push(outputs);
    const stepId = options.stepId ?? 'step';
    const user = options.user ?? 'user:default/diego.alvarez';
    return {
      input,
      workspacePath,
      logger: this.logger(stepId),
      isDryRun: options.dryRun ?? false,
      task: { id: this.id },
      step: { id: stepId, name: stepId },
      outputs,
      output: (name: string, value: any) => {
        outputs[name] = value;
      },
      checkpoint: async ({ key, fn }: { key: string; fn: () => any }) => {
        const stored = this.checkpoints.get(key);
        if (stored) return stored as any;
        const value = await fn();
        this.checkpoints.set(key, JSON.parse(JSON.stringify(value ?? null)));
        return value;
      },
      createTemporaryDirectory: async () =>
        fs.mkdtempSync(path.join(os.tmpdir(), 'idp-tmp-')),
      getInitiatorCredentials: async () => mockCredentials.user(user),
      user: { ref: user },
    } as any;
  }

  /**
   * The scaffolder service as `idp:undo` reads this task through it: its status, its steps (each
   * step id that logged something runs `action`) and its log.
   */
  scaffolderService(
    status: string,
    actionOf: (stepId: string) => string = () => 'idp:gitlab:create-app-repo',
  ): any {
    return {
      getTask: async ({ taskId }: { taskId: string }) => ({
        id: taskId,
        status,
        spec: {
          steps: [...new Set(this.events.map(e => e.stepId))].map(id => ({
            id,
            name: id,
            action: actionOf(id),
          })),
        },
      }),
      getLogs: async () =>
        this.events.map((e, i) => ({
          id: i,
          taskId: this.id,
          type: 'log',
          createdAt: new Date().toISOString(),
          body: { message: e.message, stepId: e.stepId },
        })),
    };
  }

  /** Everything a person or another system could read about the task. */
  everything(): string {
    return JSON.stringify({
      logs: this.logs,
      outputs: this.outputs,
      checkpoints: [...this.checkpoints.entries()],
    });
  }

  cleanup() {
    for (const w of this.workspaces)
      fs.rmSync(w, { recursive: true, force: true });
  }
}
