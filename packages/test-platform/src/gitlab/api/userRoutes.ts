import { ApiError } from './ApiError';
import type { ApiRouter } from './ApiRouter';
import { listProjects } from './listProjects';

/**
 * Users: `GET /user` (docs: api/users.md#retrieve-the-current-user),
 * `GET /users?username=`, `GET /users/:id` and `GET /users/:id/projects`
 * (the last one is what Backstage's publish:gitlab uses to look for an
 * existing project in a personal namespace).
 */
export function registerUserRoutes(api: ApiRouter) {
  // read_user is enough for the current user, as in GitLab.
  api.get('/user', c => c.reply(200, c.entities.currentUser(c.user)), {
    scopes: ['api', 'read_api', 'read_user'],
  });

  api.get(
    '/users',
    c => {
      const username = c.params.string('username')?.toLowerCase();
      const search = c.params.string('search')?.toLowerCase();
      const users = [...c.double.store.users.values()].filter(
        u =>
          (!username || u.username.toLowerCase() === username) &&
          (!search ||
            u.username.toLowerCase().includes(search) ||
            u.name.toLowerCase().includes(search)),
      );
      c.reply(
        200,
        c.paginate(users).map(u => c.entities.userBasic(u)),
      );
    },
    { scopes: ['api', 'read_api', 'read_user'] },
  );

  api.get(
    '/users/:id',
    c => {
      const user = c.double.store.findUser(c.req.params.id);
      if (!user) throw ApiError.notFound('User');
      const {
        email: _email,
        is_admin: _admin,
        ...publicFields
      } = c.entities.currentUser(user);
      c.reply(200, publicFields);
    },
    { scopes: ['api', 'read_api', 'read_user'] },
  );

  api.get('/users/:id/projects', c => {
    const user = c.double.store.findUser(c.req.params.id);
    if (!user || user.namespaceId === undefined) {
      throw ApiError.notFound('User');
    }
    const projects = c.double.store.projectsInNamespace(user.namespaceId);
    c.reply(200, listProjects(c, projects));
  });
}
