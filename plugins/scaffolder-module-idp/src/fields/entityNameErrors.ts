import {
  KUBERNETES_NAME_MAX_LENGTH,
  LONGEST_ENVIRONMENT,
  environmentNames,
} from '@internal/plugin-idp-common';

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
    // The namespace the composition would create, by the rule the backend applies.
    const { namespace } = environmentNames({
      team,
      component: value,
      environment: LONGEST_ENVIRONMENT,
    });
    if (namespace.length > KUBERNETES_NAME_MAX_LENGTH) {
      const room =
        KUBERNETES_NAME_MAX_LENGTH - (namespace.length - value.length);
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
