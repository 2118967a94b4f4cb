/*
 * The Acme Developer Portal backend (new backend system).
 * Which plugins run, and why, is listed here; configuration lives in the app-config files.
 */
import { createBackend } from '@backstage/backend-defaults';
import { assertRequiredEnvironment } from './requiredEnvironment';
import { localModeSignIn } from './localModeSignIn';

// Refuse to start when a config file references an unset ${VAR}: Backstage would otherwise
// drop the value and, for instance, connect to a database on localhost.
try {
  assertRequiredEnvironment();
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(78); // EX_CONFIG
}

const backend = createBackend();

backend.add(import('@backstage/plugin-app-backend'));
backend.add(import('@backstage/plugin-proxy-backend'));

// Scaffolder, with Backstage's GitLab actions (publish:gitlab, gitlab:* ...).
backend.add(import('@backstage/plugin-scaffolder-backend'));
backend.add(import('@backstage/plugin-scaffolder-backend-module-gitlab'));
// Our golden-path actions (plugins/scaffolder-backend-module-idp).
backend.add(import('@internal/plugin-scaffolder-backend-module-idp'));
backend.add(
  import('@backstage/plugin-scaffolder-backend-module-notifications'),
);

backend.add(import('@backstage/plugin-techdocs-backend'));

// Sign-in: GitLab in production (our resolver idpCatalogUser; replaces Backstage's GitLab
// provider module, since both register `gitlab`); guest and sample-user sign-in only in local mode.
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(import('@internal/plugin-auth-backend-module-idp'));
backend.add(localModeSignIn);

// Catalog. The GitLab providers stay idle unless catalog.providers.gitlab is configured
// (app-config.gitlab-discovery.yaml).
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(
  import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'),
);
backend.add(import('@backstage/plugin-catalog-backend-module-logs'));
backend.add(import('@backstage/plugin-catalog-backend-module-gitlab'));
backend.add(import('@backstage/plugin-catalog-backend-module-gitlab-org'));
// Tenancy (plugins/catalog-backend-module-idp): what developers register or GitLab discovery
// finds must come from a project in the team's GitLab group and be owned by that team; with the
// per-location catalog.rules, Users, Groups and Templates come only from the platform's own
// locations (and the org sync).
backend.add(import('@internal/plugin-catalog-backend-module-idp'));

backend.add(import('@backstage/plugin-permission-backend'));
// Roles from catalog groups (idp.access.roles) and the permission matrix in the README.
backend.add(import('@internal/plugin-permission-backend-module-idp-roles'));

backend.add(import('@backstage/plugin-search-backend'));
backend.add(import('@backstage/plugin-search-backend-module-pg'));
backend.add(import('@backstage/plugin-search-backend-module-catalog'));
backend.add(import('@backstage/plugin-search-backend-module-techdocs'));

backend.add(import('@backstage/plugin-kubernetes-backend'));
backend.add(import('@internal/plugin-deployment-backend'));

backend.add(import('@backstage/plugin-user-settings-backend'));
backend.add(import('@backstage/plugin-notifications-backend'));
backend.add(import('@backstage/plugin-signals-backend'));
backend.add(import('@backstage/plugin-mcp-actions-backend'));

// A plugin that fails to start (say, a migration lock held by another replica starting at the
// same time) must end the process: Kubernetes restarts it, where a half-started process would
// answer readiness 503 for ever.
backend.start().catch(error => {
  process.stderr.write(`Backend startup failed: ${error?.stack ?? error}\n`);
  process.exit(1);
});
