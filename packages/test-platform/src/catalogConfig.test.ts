import path from 'node:path';
import { portalCatalogConfig } from './catalogConfig';
import { repoRoot } from './paths';

describe('portalCatalogConfig', () => {
  it("gives app-config.yaml's rules and its locations with their rules, resolved from packages/backend", () => {
    const root = repoRoot();
    const { rules, locations } = portalCatalogConfig();
    expect(rules).toEqual([{ allow: ['Component', 'API', 'Location'] }]);
    expect(locations).toEqual([
      {
        type: 'file',
        target: path.join(root, 'catalog-info/all.yaml'),
        rules: [{ allow: ['Domain', 'System', 'Resource'] }],
      },
      {
        type: 'file',
        target: path.join(root, 'catalog-info/org.yaml'),
        rules: [{ allow: ['User', 'Group'] }],
      },
      {
        type: 'file',
        target: path.join(root, 'templates/all.yaml'),
        rules: [{ allow: ['Template'] }],
      },
    ]);
  });

  it("adds test-only locations with the kinds they may produce, with or without the portal's own", () => {
    const extra = portalCatalogConfig({
      portalLocations: false,
      extraLocations: [
        { target: '/tmp/templates.yaml', allow: ['Template'] },
        { target: '/tmp/components.yaml' },
        { type: 'url', target: 'https://example.org/x/-/blob/main/a.yaml' },
      ],
    });
    expect(extra.locations).toEqual([
      {
        type: 'file',
        target: '/tmp/templates.yaml',
        rules: [{ allow: ['Template'] }],
      },
      { type: 'file', target: '/tmp/components.yaml' },
      { type: 'url', target: 'https://example.org/x/-/blob/main/a.yaml' },
    ]);
    expect(
      portalCatalogConfig({
        extraLocations: [{ target: '/tmp/t.yaml', allow: ['Template'] }],
      }).locations,
    ).toHaveLength(4);
  });
});
