import { IdpRole, ROLE_TITLES } from './roles';

/** A column of the matrix: one of the four roles, or a signed-in user in no mapped group. @public */
export type MatrixColumn = IdpRole | 'none';

/** @public */
export const MATRIX_COLUMNS: readonly MatrixColumn[] = [
  'platform-engineer',
  'developer',
  'manager',
  'auditor',
  'none',
];

/** @public */
export const COLUMN_TITLES: Record<MatrixColumn, string> = {
  ...ROLE_TITLES,
  none: 'No mapped group',
};

/**
 * What a role may do for one operation. Besides plain yes and no, the conditional grants the
 * policy turns into permission conditions, evaluated by the plugin that owns the resource:
 *
 * - `owned`: entities their groups own (`catalog.isEntityOwner`);
 * - `own-tasks`: tasks they started (`scaffolder.isTaskOwner`);
 * - `developer-templates`: every entity, but Templates only when tagged `developer`;
 * - `no-templates`: every entity but Templates (only who may run templates lists them);
 * - `developer-actions`: only the actions the developer templates use
 *   ({@link DEFAULT_DEVELOPER_ACTIONS}, or `idp.access.developerActions`), never `idp:undo`.
 *   Which team an action acts for is checked by the action itself, against the catalog: the
 *   owner must be one of the user's teams (whatever the environment).
 *
 * @public
 */
export type Access =
  | 'yes'
  | 'no'
  | 'owned'
  | 'own-tasks'
  | 'developer-templates'
  | 'no-templates'
  | 'developer-actions';

/**
 * The actions a developer may run: what the developer-tagged templates use. Backstage's
 * built-in GitLab actions (`publish:gitlab`, `gitlab:projectAccessToken:create`,
 * `gitlab:repo:push`, ...) act with the portal's GitLab token and check no team, so only
 * platform engineers may run them; `idp:undo` is a platform engineer's too.
 * `idp.access.developerActions` replaces the list.
 *
 * @public
 */
export const DEFAULT_DEVELOPER_ACTIONS: readonly string[] = [
  'fetch:template',
  'debug:log',
  'idp:gitlab:create-app-repo',
  'idp:gitlab:create-deploy-repo',
  'idp:environment:apply',
  'idp:environment:prepare',
  'idp:environment:remove',
  'idp:catalog:register',
  'publish:gitlab:merge-request',
];

/** How each access reads in the README table. @public */
export const ACCESS_TEXT: Record<Access, string> = {
  yes: 'yes',
  no: 'no',
  owned: 'their teams’ entities',
  'own-tasks': 'their own tasks',
  'developer-templates': 'yes; Templates tagged `developer` only',
  'no-templates': 'yes, but no Templates',
  'developer-actions':
    'golden-path actions only, for their own teams (no `idp:undo`, no built-in GitLab actions)',
};

/**
 * One protected operation: the permissions it is made of and each column's access.
 *
 * @public
 */
export type MatrixRow = {
  /** Stable id: the permission matrix test exercises each row by this id. */
  id: string;
  /** What a person does, for the README table. */
  operation: string;
  /** Permission names this row decides. */
  permissions: string[];
  access: Record<MatrixColumn, Access>;
};

const row = (
  id: string,
  operation: string,
  permissions: string[],
  access: [Access, Access, Access, Access, Access],
): MatrixRow => ({
  id,
  operation,
  permissions,
  access: {
    'platform-engineer': access[0],
    developer: access[1],
    manager: access[2],
    auditor: access[3],
    none: access[4],
  },
});

/**
 * The permission matrix: the single source the policy decides from, the matrix test checks
 * through real HTTP requests, and the README table is generated from (`yarn access-matrix`).
 * Columns: platform engineer, developer, manager, auditor, no mapped group.
 *
 * @public
 */
export const PERMISSION_MATRIX: readonly MatrixRow[] = [
  row(
    'catalog-read',
    'Read catalog entities',
    ['catalog.entity.read'],
    ['yes', 'developer-templates', 'no-templates', 'yes', 'no-templates'],
  ),
  row(
    'catalog-locations-read',
    'Read catalog locations',
    ['catalog.location.read'],
    ['yes', 'yes', 'yes', 'yes', 'yes'],
  ),
  row(
    'catalog-register',
    'Register entities (the golden path registers as the user)',
    [
      'catalog.location.create',
      'catalog.entity.create',
      'catalog.location.analyze',
    ],
    ['yes', 'yes', 'no', 'no', 'no'],
  ),
  row(
    'catalog-refresh',
    'Refresh an entity',
    ['catalog.entity.refresh'],
    ['yes', 'owned', 'no', 'no', 'no'],
  ),
  row(
    'catalog-unregister',
    'Unregister entities and locations',
    ['catalog.entity.delete', 'catalog.location.delete'],
    ['yes', 'no', 'no', 'no', 'no'],
  ),
  row(
    'template-read',
    'Open a template’s form and steps',
    ['scaffolder.template.parameter.read', 'scaffolder.template.step.read'],
    ['yes', 'yes', 'no', 'yes', 'no'],
  ),
  row(
    'task-create',
    'Run a template',
    ['scaffolder.task.create'],
    ['yes', 'yes', 'no', 'no', 'no'],
  ),
  row(
    'action-execute',
    'Actions a template runs (repositories, environments, undo)',
    ['scaffolder.action.execute'],
    ['yes', 'developer-actions', 'no', 'no', 'no'],
  ),
  row(
    'task-read',
    'Read scaffolder tasks and their logs',
    ['scaffolder.task.read'],
    ['yes', 'own-tasks', 'no', 'yes', 'no'],
  ),
  row(
    'task-cancel',
    'Cancel a scaffolder task',
    ['scaffolder.task.cancel'],
    ['yes', 'own-tasks', 'no', 'no', 'no'],
  ),
  row(
    'template-manage',
    'Template editor and template dry runs',
    ['scaffolder.template.management', 'scaffolder.template.dry-run'],
    ['yes', 'no', 'no', 'no', 'no'],
  ),
  row(
    'deployment-read',
    'See deployment status (deployment view, Kubernetes tab)',
    [
      'deployment.status.read',
      'kubernetes.clusters.read',
      'kubernetes.resources.read',
    ],
    ['yes', 'yes', 'yes', 'yes', 'no'],
  ),
  row(
    'deployment-act',
    'Refresh or sync a deployment in Argo CD',
    ['deployment.application.act'],
    ['yes', 'owned', 'no', 'no', 'no'],
  ),
  row(
    'kubernetes-proxy',
    'Kubernetes API proxy',
    ['kubernetes.proxy'],
    ['yes', 'no', 'no', 'no', 'no'],
  ),
];

/**
 * Permissions no row names (other plugins: search, notifications, …): reading is open to every
 * signed-in user, anything else to platform engineers only.
 *
 * @public
 */
export const OTHER_READ: Record<MatrixColumn, Access> = {
  'platform-engineer': 'yes',
  developer: 'yes',
  manager: 'yes',
  auditor: 'yes',
  none: 'yes',
};

/** @public */
export const OTHER_WRITE: Record<MatrixColumn, Access> = {
  'platform-engineer': 'yes',
  developer: 'no',
  manager: 'no',
  auditor: 'no',
  none: 'no',
};

/** The row deciding a permission, if any. @public */
export function matrixRowFor(permissionName: string): MatrixRow | undefined {
  return PERMISSION_MATRIX.find(r => r.permissions.includes(permissionName));
}

/**
 * The matrix as a Markdown table, for the README (written by `yarn access-matrix`, checked by a
 * test so it cannot drift from the policy).
 *
 * @public
 */
export function matrixMarkdown(): string {
  const header = [
    'Operation',
    'Permissions',
    ...MATRIX_COLUMNS.map(c => COLUMN_TITLES[c]),
  ];
  const lines = [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
  ];
  const cells = (access: Record<MatrixColumn, Access>) =>
    MATRIX_COLUMNS.map(c => ACCESS_TEXT[access[c]]);
  for (const r of PERMISSION_MATRIX) {
    lines.push(
      `| ${[
        r.operation,
        r.permissions.map(p => `\`${p}\``).join(', '),
        ...cells(r.access),
      ].join(' | ')} |`,
    );
  }
  lines.push(
    `| ${[
      'Anything else that reads',
      'other plugins’ read permissions',
      ...cells(OTHER_READ),
    ].join(' | ')} |`,
    `| ${[
      'Anything else',
      'other plugins’ permissions',
      ...cells(OTHER_WRITE),
    ].join(' | ')} |`,
  );
  return lines.join('\n');
}
