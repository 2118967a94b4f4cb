import { Role } from '../auth/access';
import { GitLabProject, GitLabVariable } from '../types';
import { ApiError } from './ApiError';
import type { ApiRouter, RouteContext } from './ApiRouter';

const KEY_PATTERN = /^[a-zA-Z0-9_]+$/;
/** Masked values must be one line of at least 8 characters without whitespace. */
const MASKABLE = /^\S{8,}$/;
const VARIABLE_TYPES = ['env_var', 'file'] as const;

/** Model validation of Ci::Variable, with GitLab's messages. */
function validate(
  project: GitLabProject,
  v: GitLabVariable,
  original?: GitLabVariable,
) {
  const errors: Record<string, string[]> = {};
  if (v.key.length > 255) {
    errors.key = ['is too long (maximum is 255 characters)'];
  } else if (!KEY_PATTERN.test(v.key)) {
    errors.key = ["can contain only letters, digits and '_'."];
  }
  if (v.masked && !MASKABLE.test(v.value)) errors.value = ['is invalid'];
  const duplicate = project.variables.some(
    other =>
      other !== original &&
      other.key === v.key &&
      other.environmentScope === v.environmentScope,
  );
  if (duplicate) {
    errors.key = [...(errors.key ?? []), `(${v.key}) has already been taken`];
  }
  if (Object.keys(errors).length) throw ApiError.validation(errors);
}

/** Finds the one variable for `:key`, honouring `filter[environment_scope]`. */
function findVariable(c: RouteContext, project: GitLabProject): GitLabVariable {
  const scope = c.params.object('filter')?.environment_scope;
  const matches = project.variables.filter(
    v =>
      v.key === c.req.params.key &&
      (scope === undefined || v.environmentScope === String(scope)),
  );
  if (matches.length === 0) throw ApiError.notFound('Variable');
  if (matches.length > 1) {
    throw ApiError.conflict(
      "There are multiple variables with provided parameters. Please use 'filter[environment_scope]'",
    );
  }
  return matches[0];
}

/**
 * Project CI/CD variables (docs: api/project_level_variables.md). Values are
 * only ever returned in response bodies (hidden variables not even there);
 * the request log records paths, so masked values never reach it.
 */
export function registerVariableRoutes(api: ApiRouter) {
  // docs: api/project_level_variables.md#list-project-variables
  api.get('/projects/:id/variables', c => {
    const project = c.project(Role.Maintainer);
    c.reply(
      200,
      c.paginate(project.variables).map(v => c.entities.variable(v)),
    );
  });

  // docs: api/project_level_variables.md#get-a-single-variable
  api.get('/projects/:id/variables/:key', c => {
    const project = c.project(Role.Maintainer);
    c.reply(200, c.entities.variable(findVariable(c, project)));
  });

  // docs: api/project_level_variables.md#create-a-variable
  api.post('/projects/:id/variables', c => {
    const project = c.project(Role.Maintainer, { write: true });
    const missing = ['key', 'value'].filter(n => !c.params.has(n));
    if (missing.length) throw ApiError.missing(...missing);
    const maskedAndHidden = c.params.boolean('masked_and_hidden') ?? false;
    const variable: GitLabVariable = {
      key: c.params.string('key')!,
      value: c.params.string('value')!,
      variableType:
        c.params.oneOf('variable_type', VARIABLE_TYPES) ?? 'env_var',
      protected: c.params.boolean('protected') ?? false,
      masked: maskedAndHidden || (c.params.boolean('masked') ?? false),
      hidden: maskedAndHidden,
      raw: c.params.boolean('raw') ?? false,
      environmentScope: c.params.string('environment_scope') || '*',
      description: c.params.string('description') ?? null,
    };
    validate(project, variable);
    project.variables.push(variable);
    c.reply(201, c.entities.variable(variable));
  });

  // docs: api/project_level_variables.md#update-a-variable
  api.put('/projects/:id/variables/:key', c => {
    const project = c.project(Role.Maintainer, { write: true });
    const current = findVariable(c, project);
    const p = c.params;
    const updated: GitLabVariable = {
      ...current,
      value: p.string('value') ?? current.value,
      variableType:
        p.oneOf('variable_type', VARIABLE_TYPES) ?? current.variableType,
      protected: p.boolean('protected') ?? current.protected,
      masked: p.boolean('masked') ?? current.masked,
      raw: p.boolean('raw') ?? current.raw,
      environmentScope:
        p.string('environment_scope') || current.environmentScope,
      description: p.has('description')
        ? p.string('description')!
        : current.description,
    };
    validate(project, updated, current);
    Object.assign(current, updated);
    c.reply(200, c.entities.variable(current));
  });

  // docs: api/project_level_variables.md#delete-a-variable
  api.delete('/projects/:id/variables/:key', c => {
    const project = c.project(Role.Maintainer, { write: true });
    const current = findVariable(c, project);
    project.variables = project.variables.filter(v => v !== current);
    c.noContent();
  });
}
