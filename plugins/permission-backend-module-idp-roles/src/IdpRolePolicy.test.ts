import fs from 'node:fs';
import path from 'node:path';
import { ConfigReader } from '@backstage/config';
import { mockServices } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { catalogEntityDeletePermission } from '@backstage/plugin-catalog-common/alpha';
import { IdpRolePolicy } from './IdpRolePolicy';
import { RoleMapping } from './roles';
import { readmeWithMatrix } from './readmeMatrix';
import { formatMarkdown } from '../scripts/formatMarkdown';

const user = (ref: string, groups: string[]) =>
  ({
    credentials: {} as any,
    info: { userEntityRef: ref, ownershipEntityRefs: [ref, ...groups] },
  } as any);

describe('RoleMapping', () => {
  it('maps groups to roles, with patterns, and names the groups that granted each', () => {
    const mapping = RoleMapping.fromConfig(new ConfigReader({}));
    expect(
      mapping.rolesOf([
        'user:default/x',
        'group:default/team-payments',
        'group:default/Security-Compliance',
      ]),
    ).toEqual({
      roles: ['developer', 'auditor'],
      grantedBy: {
        developer: ['group:default/team-payments'],
        auditor: ['group:default/security-compliance'],
      },
    });
    expect(mapping.rolesOf(['user:default/x', 'group:default/acme'])).toEqual({
      roles: [],
      grantedBy: {},
    });
  });

  it('reads idp.access.roles and refuses what it cannot understand', () => {
    const mapping = RoleMapping.fromConfig(
      new ConfigReader({
        idp: {
          access: { roles: { manager: ['directors', 'group:ops/vp-*'] } },
        },
      }),
    );
    expect(mapping.patterns.manager).toEqual([
      'group:default/directors',
      'group:ops/vp-*',
    ]);
    expect(mapping.rolesOf(['group:ops/vp-sales']).roles).toEqual(['manager']);
    expect(() =>
      RoleMapping.fromConfig(
        new ConfigReader({ idp: { access: { roles: { admin: ['x'] } } } }),
      ),
    ).toThrow(
      'idp.access.roles.admin: unknown role; the roles are platform-engineer, developer, manager, auditor',
    );
    expect(() =>
      RoleMapping.fromConfig(
        new ConfigReader({
          idp: { access: { roles: { developer: ['user:default/x'] } } },
        }),
      ),
    ).toThrow(
      "idp.access.roles.developer: 'user:default/x' is not a group reference; roles come from groups",
    );
  });
});

describe('IdpRolePolicy decision log', () => {
  it('says why a user in no mapped group may only read', async () => {
    const logger = mockServices.logger.mock();
    const policy = new IdpRolePolicy(
      RoleMapping.fromConfig(new ConfigReader({})),
      logger,
    );
    const decision = await policy.handle(
      { permission: catalogEntityDeletePermission },
      user('user:default/sam.okafor', ['group:default/acme']),
    );
    expect(decision.result).toBe(AuthorizeResult.DENY);
    expect(logger.info).toHaveBeenCalledWith(
      "permission DENY catalog.entity.delete for user:default/sam.okafor: no role: none of the user's groups is mapped in idp.access.roles (roles: platform-engineer, developer, manager, auditor), so the user may only read the catalog; matrix row catalog-unregister → no",
      expect.objectContaining({ roles: 'none', result: 'DENY' }),
    );
  });

  it('names the role and the group behind a decision, and the most permissive role wins', async () => {
    const logger = mockServices.logger.mock();
    const policy = new IdpRolePolicy(
      RoleMapping.fromConfig(new ConfigReader({})),
      logger,
    );
    const decision = await policy.handle(
      { permission: catalogEntityDeletePermission },
      user('user:default/x', [
        'group:default/engineering-leadership',
        'group:default/platform-team',
      ]),
    );
    expect(decision.result).toBe(AuthorizeResult.ALLOW);
    expect(logger.debug).toHaveBeenCalledWith(
      'permission ALLOW catalog.entity.delete for user:default/x: platform engineer through group:default/platform-team; matrix row catalog-unregister → yes',
      expect.anything(),
    );
  });

  it('allows service-to-service calls (each plugin authorizes its own callers)', async () => {
    const policy = new IdpRolePolicy(
      RoleMapping.fromConfig(new ConfigReader({})),
      mockServices.logger.mock(),
    );
    expect(
      (await policy.handle({ permission: catalogEntityDeletePermission }))
        .result,
    ).toBe(AuthorizeResult.ALLOW);
  });
});

describe('README', () => {
  it('shows the matrix the policy decides from (yarn access-matrix rewrites it)', async () => {
    const readme = path.resolve(__dirname, '../../../README.md');
    const current = fs.readFileSync(readme, 'utf8');
    expect(
      await readmeWithMatrix(current, md => formatMarkdown(md, readme)),
    ).toBe(current);
  });
});
