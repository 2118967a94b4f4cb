import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from './paths';

/** A catalog entity as the sample org files hold it, plus the relations the catalog computes. */
export interface OrgEntity {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [key: string]: unknown };
  spec?: any;
  relations?: Array<{ type: string; targetRef: string }>;
}

/**
 * The sample organisation (catalog-info/org.yaml) as the catalog serves it once processed: Users
 * and Groups with their memberOf/hasMember and parentOf/childOf relations, which an in-memory
 * catalog does not compute. For tests that decide from group membership without running the
 * catalog's processing.
 *
 * @public
 */
export function sampleOrgEntities(
  file = path.join(repoRoot(), 'catalog-info', 'org.yaml'),
): OrgEntity[] {
  const entities = parseAllDocuments(fs.readFileSync(file, 'utf8'))
    .map(d => d.toJS() as OrgEntity)
    .filter(e => e && (e.kind === 'User' || e.kind === 'Group'));
  const ref = (kind: string, name: string) =>
    `${kind}:default/${name}`.toLocaleLowerCase('en-US');
  const members = new Map<string, Set<string>>();
  const add = (group: string, user: string) => {
    if (!members.has(group)) members.set(group, new Set());
    members.get(group)!.add(user);
  };
  for (const e of entities) {
    if (e.kind === 'Group') {
      for (const m of e.spec?.members ?? []) add(e.metadata.name, m);
    } else {
      for (const g of e.spec?.memberOf ?? []) add(g, e.metadata.name);
    }
  }
  return entities.map(e => {
    const relations: Array<{ type: string; targetRef: string }> = [];
    if (e.kind === 'User') {
      for (const [group, users] of members) {
        if (users.has(e.metadata.name)) {
          relations.push({ type: 'memberOf', targetRef: ref('group', group) });
        }
      }
    } else {
      for (const user of members.get(e.metadata.name) ?? []) {
        relations.push({ type: 'hasMember', targetRef: ref('user', user) });
      }
      if (e.spec?.parent) {
        relations.push({
          type: 'childOf',
          targetRef: ref('group', e.spec.parent),
        });
      }
      for (const child of e.spec?.children ?? []) {
        relations.push({ type: 'parentOf', targetRef: ref('group', child) });
      }
    }
    return {
      ...e,
      metadata: { namespace: 'default', ...e.metadata },
      relations,
    };
  });
}
