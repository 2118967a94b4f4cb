import { Knex } from 'knex';
import { DatabaseService } from '@backstage/backend-plugin-api';
import { ConflictError } from '@backstage/errors';

const TABLE = 'idp_component_names';

/** Who holds a component name. */
export interface ComponentNameClaim {
  name: string;
  team: string;
  taskId: string;
  createdAt: string;
}

/**
 * Component names are shared across teams: a name is the catalog entity, the XR
 * `<component>-<environment>` (cluster-scoped) and the Argo CD Application in `argocd`, so two
 * teams cannot both have `refunds`. This table says which team a name belongs to. The first
 * action of a golden path claims the name before any side effect; the claim is one INSERT on the
 * portal's database, so two tasks of different teams racing for the same name cannot both win,
 * on any number of replicas. Tasks of the same team are serialised by what they create (a
 * GitLab project, an XR) and their "created by this task" checks.
 *
 * A claim is released when its component is removed (`idp:undo`).
 *
 * @public
 */
export class ComponentNames {
  static async create(database: DatabaseService): Promise<ComponentNames> {
    const knex = await database.getClient();
    return ComponentNames.fromKnex(knex);
  }

  static async fromKnex(knex: Knex): Promise<ComponentNames> {
    if (!(await knex.schema.hasTable(TABLE))) {
      try {
        await knex.schema.createTable(TABLE, table => {
          table.string('name', 63).primary().notNullable();
          table.string('team', 63).notNullable();
          table.string('task_id', 64).notNullable();
          table.string('created_at', 32).notNullable();
        });
      } catch (e) {
        // Another replica created it between our check and our create.
        if (!(await knex.schema.hasTable(TABLE))) throw e;
      }
    }
    return new ComponentNames(knex);
  }

  private constructor(private readonly knex: Knex) {}

  /** Who holds `name`, if anyone. */
  async get(name: string): Promise<ComponentNameClaim | undefined> {
    const row = await this.knex(TABLE).where({ name }).first();
    return row
      ? {
          name: row.name,
          team: row.team,
          taskId: row.task_id,
          createdAt: row.created_at,
        }
      : undefined;
  }

  /**
   * Claims `name` for `team` (idempotent for the team). Throws ConflictError, naming the team
   * that holds it, when another team does.
   */
  async claim(name: string, team: string, taskId: string): Promise<void> {
    try {
      await this.knex(TABLE).insert({
        name,
        team,
        task_id: taskId,
        created_at: new Date().toISOString(),
      });
      return;
    } catch (e) {
      const existing = await this.get(name);
      if (!existing) throw e;
      if (existing.team === team) return;
      throw new ConflictError(
        `The component name '${name}' belongs to ${existing.team} (claimed by task ${existing.taskId}); ` +
          `names are unique across teams, choose another`,
      );
    }
  }

  /** Releases `name` if `team` holds it. Returns whether a claim was removed. */
  async release(name: string, team: string): Promise<boolean> {
    return (await this.knex(TABLE).where({ name, team }).delete()) > 0;
  }

  /** Releases the names a task claimed (cleaning up after it). Returns how many. */
  async releaseTask(taskId: string): Promise<number> {
    return this.knex(TABLE).where({ task_id: taskId }).delete();
  }
}
