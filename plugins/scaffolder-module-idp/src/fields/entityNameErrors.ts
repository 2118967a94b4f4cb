import { parseEntityRef } from '@backstage/catalog-model';

/** Kubernetes' limit for a namespace name (an RFC 1123 DNS label). */
export const KUBERNETES_NAME_MAX_LENGTH = 63;

/**
 * The environment with the longest name. A component's namespaces are
 * `<team>-<component>-<environment>`, so a name that fits with this one fits with every
 * environment (mirrors `environmentNames` in `@internal/plugin-idp-node`, which a frontend
 * package cannot import).
 */
export const LONGEST_ENVIRONMENT = 'development';

/** Options of {@link entityNameErrors}. */
export interface EntityNameErrorsOptions {
  /** The schema's `maxLength`; defaults to {@link KUBERNETES_NAME_MAX_LENGTH}. */
  maxLength?: number;
  /** The owning team's name; when given, the name must leave room for its namespaces. */
  team?: string;
}

/**
 * The value with the naming rule applied as far as it can be: lowercase, runs of anything
 * but letters and digits turned into one dash, leading non-letters and trailing dashes
 * dropped, cut to `maxLength`. Used to suggest a name rather than only refuse one.
 */
export function suggestEntityName(value: string, maxLength: number): string {
  return value
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, maxLength)
    .replace(/-+$/, '');
}

/**
 * The team of an owner field's value when it is a group ref (`group:default/team-payments`
 * → `team-payments`); `undefined` for users, empty or malformed values, whose namespaces
 * the portal does not name after a team.
 */
export function teamFromOwnerRef(ownerRef: unknown): string | undefined {
  if (typeof ownerRef !== 'string' || ownerRef === '') {
    return undefined;
  }
  try {
    const ref = parseEntityRef(ownerRef, {
      defaultKind: 'group',
      defaultNamespace: 'default',
    });
    return ref.kind.toLocaleLowerCase('en-US') === 'group'
      ? ref.name
      : undefined;
  } catch {
    return undefined;
  }
}

function describeCharacters(characters: string[]): string {
  const described = characters.map(c => (c === ' ' ? 'spaces' : `'${c}'`));
  return described.length === 1
    ? described[0]
    : `${described.slice(0, -1).join(', ')} or ${
        described[described.length - 1]
      }`;
}

/**
 * What is wrong with the name of a new entity, as messages for the person typing it, or an
 * empty list when it is fine. The rule is the golden paths' pattern
 * `^[a-z]([-a-z0-9]*[a-z0-9])?$`: a DNS label that starts with a letter, because the name is
 * also a GitLab project path and part of Kubernetes namespaces.
 *
 * @example
 * entityNameErrors('Payments_Refunds') // ["Use lowercase letters only: try 'payments-refunds'", ...]
 */
export function entityNameErrors(
  value: string,
  options: EntityNameErrorsOptions = {},
): string[] {
  const { maxLength = KUBERNETES_NAME_MAX_LENGTH, team } = options;
  if (value.length === 0) {
    return ['Enter a name'];
  }

  const errors: string[] = [];
  const suggestion = suggestEntityName(value, maxLength);
  const tryIt =
    suggestion && suggestion !== value ? `: try '${suggestion}'` : '';

  const hasUppercase = /[A-Z]/.test(value);
  if (hasUppercase) {
    errors.push(`Use lowercase letters only${tryIt}`);
  }
  const disallowed = [...new Set(value.match(/[^a-zA-Z0-9-]/g) ?? [])];
  if (disallowed.length > 0) {
    // The suggestion is given once, with the first message that applies.
    errors.push(
      `Use only lowercase letters, digits and dashes, not ${describeCharacters(
        disallowed,
      )}${hasUppercase ? '' : tryIt}`,
    );
  }
  if (!/^[a-zA-Z]/.test(value)) {
    errors.push(`Start with a letter, not '${value[0]}'`);
  }
  if (value.endsWith('-')) {
    errors.push('Do not end with a dash');
  }

  if (value.length > maxLength) {
    errors.push(`At most ${maxLength} characters (this has ${value.length})`);
  }

  if (team) {
    const namespace = `${team}-${value}-${LONGEST_ENVIRONMENT}`;
    if (namespace.length > KUBERNETES_NAME_MAX_LENGTH) {
      const room =
        KUBERNETES_NAME_MAX_LENGTH - `${team}--${LONGEST_ENVIRONMENT}`.length;
      const remedy =
        room > 0
          ? `Shorten the name to at most ${room} characters.`
          : `The team's name leaves no room for a name; ask the platform team.`;
      errors.push(
        `With owner ${team}, the namespace ${namespace} would be ${namespace.length} characters; ` +
          `Kubernetes allows ${KUBERNETES_NAME_MAX_LENGTH}. ${remedy}`,
      );
    }
  }

  return errors;
}
