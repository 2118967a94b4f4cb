import { Entity } from '@backstage/catalog-model';

/** A sample user: name, display name, groups (names), extra annotations. */
type SampleUser = [string, string, string[], Record<string, string>?];

/** The users of catalog-info/org.yaml and their groups. */
export const SAMPLE_USERS: SampleUser[] = [
  ['priya.sharma', 'Priya Sharma', ['platform-team']],
  ['tomas.novak', 'Tomáš Novák', ['platform-team']],
  ['diego.alvarez', 'Diego Alvarez', ['team-payments']],
  ['lena.fischer', 'Lena Fischer', ['team-payments']],
  ['mei.chen', 'Mei Chen', ['team-storefront']],
  ['morgan.lee', 'Morgan Lee', ['engineering-leadership']],
  ['ari.cohen', 'Ari Cohen', ['security-compliance']],
  // In the organisation group only, which grants no role.
  ['sam.okafor', 'Sam Okafor', ['acme']],
];

/**
 * Users and groups as the catalog serves them once processed: with the `memberOf`/`hasMember`
 * relations the auth backend reads ownership from (an in-memory catalog computes no relations).
 */
export function sampleOrg(users: SampleUser[] = SAMPLE_USERS): Entity[] {
  const groups = new Map<string, string[]>();
  const entities: Entity[] = users.map(
    ([name, displayName, memberOf, annotations]) => {
      for (const group of memberOf) {
        groups.set(group, [...(groups.get(group) ?? []), name]);
      }
      return {
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'User',
        metadata: {
          name,
          namespace: 'default',
          ...(annotations && { annotations }),
        },
        spec: {
          profile: { displayName, email: `${name}@acme.example` },
          memberOf,
        },
        relations: memberOf.map(group => ({
          type: 'memberOf',
          targetRef: `group:default/${group}`,
        })),
      };
    },
  );
  for (const [group, members] of groups) {
    entities.push({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Group',
      metadata: { name: group, namespace: 'default' },
      spec: { type: 'team', children: [] },
      relations: members.map(member => ({
        type: 'hasMember',
        targetRef: `user:default/${member}`,
      })),
    });
  }
  return entities;
}
