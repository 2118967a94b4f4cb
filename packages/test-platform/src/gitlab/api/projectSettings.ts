import type { Params } from './Params';

const BOOLEAN_SETTINGS: Record<string, boolean> = {
  issues_enabled: true,
  merge_requests_enabled: true,
  jobs_enabled: true,
  wiki_enabled: true,
  snippets_enabled: true,
  container_registry_enabled: true,
  lfs_enabled: true,
  packages_enabled: true,
  request_access_enabled: true,
  shared_runners_enabled: true,
  public_jobs: true,
  emails_enabled: true,
  service_desk_enabled: false,
  auto_devops_enabled: false,
  only_allow_merge_if_pipeline_succeeds: false,
  only_allow_merge_if_all_discussions_are_resolved: false,
  allow_merge_on_skipped_pipeline: false,
  remove_source_branch_after_merge: true,
  printing_merge_request_link_enabled: true,
  resolve_outdated_diff_discussions: false,
  autoclose_referenced_issues: true,
};

const FEATURE_ACCESS = ['disabled', 'private', 'enabled'] as const;

const ENUM_SETTINGS: Record<
  string,
  { values: readonly string[]; default: string }
> = {
  merge_method: { values: ['merge', 'rebase_merge', 'ff'], default: 'merge' },
  squash_option: {
    values: ['never', 'always', 'default_on', 'default_off'],
    default: 'default_off',
  },
  build_git_strategy: { values: ['fetch', 'clone'], default: 'fetch' },
  issues_access_level: { values: FEATURE_ACCESS, default: 'enabled' },
  repository_access_level: { values: FEATURE_ACCESS, default: 'enabled' },
  merge_requests_access_level: { values: FEATURE_ACCESS, default: 'enabled' },
  builds_access_level: { values: FEATURE_ACCESS, default: 'enabled' },
  wiki_access_level: { values: FEATURE_ACCESS, default: 'enabled' },
  snippets_access_level: { values: FEATURE_ACCESS, default: 'enabled' },
};

/**
 * Project settings the double stores only to echo them back (it has no CI,
 * wiki or merge logic). Backstage's publish:gitlab sends several of these
 * through `settings`, so they are validated with GitLab's allowed values and
 * returned under GitLab's field names.
 */
export const projectSettings = {
  /** GitLab's defaults for a new project. */
  defaults(): Record<string, unknown> {
    const out: Record<string, unknown> = { ...BOOLEAN_SETTINGS };
    for (const [key, spec] of Object.entries(ENUM_SETTINGS)) {
      out[key] = spec.default;
    }
    return out;
  },

  /** The settings present in the request (type-checked), to merge over the current ones. */
  fromParams(params: Params): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(BOOLEAN_SETTINGS)) {
      const value = params.boolean(key);
      if (value !== undefined) out[key] = value;
    }
    for (const [key, spec] of Object.entries(ENUM_SETTINGS)) {
      const value = params.oneOf(key, spec.values);
      if (value !== undefined) out[key] = value;
    }
    return out;
  },
};
