/**
 * GitLab's path rules (lib/gitlab/path_regex.rb): paths may only contain
 * letters, digits, `_`, `-` and `.`; they cannot start with `-`, end in
 * `.git` or `.atom`; namespaces also cannot end in `.`. For projects GitLab
 * additionally enforces its container-registry-compatible rule: no special
 * character at the start or end and no consecutive special characters. Each function returns GitLab's
 * error messages for the `path` attribute (empty when valid).
 */
export const pathRules = {
  /** Errors for a project path. */
  project(path: string): string[] {
    const errors: string[] = [];
    if (
      !/^[a-zA-Z0-9_.][a-zA-Z0-9_.-]*$/.test(path) ||
      /\.(git|atom)$/i.test(path)
    ) {
      errors.push(
        "can contain only letters, digits, '_', '-' and '.'. Cannot start with '-', end in '.git' or end in '.atom'",
      );
    }
    if (/^[_.-]|[_.-]$|[_.-]{2}/.test(path)) {
      errors.push(
        'must not start or end with a special character and must not contain consecutive special characters.',
      );
    }
    return errors;
  },

  /** Errors for a group path. */
  namespace(path: string): string[] {
    const errors: string[] = [];
    if (
      !/^[a-zA-Z0-9_.][a-zA-Z0-9_.-]*$/.test(path) ||
      /(\.|\.git|\.atom)$/i.test(path)
    ) {
      errors.push(
        "can contain only letters, digits, '_', '-' and '.'. Cannot start with '-' or end in '.', '.git' or '.atom'.",
      );
    }
    return errors;
  },

  /** Errors for a project name. */
  projectName(name: string): string[] {
    return /^[\p{L}\p{N}\p{Emoji_Presentation}_][\p{L}\p{N}\p{Emoji_Presentation}\p{Pd}+_. ]*$/u.test(
      name,
    )
      ? []
      : [
          "can contain only letters, digits, emoji, '_', '.', '+', dashes, or spaces. It must start with a letter, digit, emoji, or '_'.",
        ];
  },

  /** The path GitLab derives from a project name (`My Project` → `my-project`). */
  slugify(name: string): string {
    return name
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9_.]+/g, '-')
      .replace(/^[-_.]+|[-_.]+$/g, '');
  },
};
