import { cloneElement } from 'react';
import {
  attachComponentData,
  getComponentData,
} from '@backstage/core-plugin-api';
import homePlugin from '@backstage/plugin-home/alpha';
import { homePageWidgetDataRef } from '@backstage/plugin-home-react/alpha';
import { usePermission } from '@backstage/plugin-permission-react';
import { taskCreatePermission } from '@backstage/plugin-scaffolder-common/alpha';

/** A toolkit link into the scaffolder (`/create`, `/create/templates/...`). */
function isCreateLink(url: string): boolean {
  return /^\/create(\/|\?|#|$)/.test(url);
}

/** What the home page grid reads from a widget's component to list and lay it out. */
const WIDGET_DATA_KEYS = [
  'core.extensionName',
  'title',
  'description',
  'home.widget.config',
];

/**
 * The home page's Toolkit (`home-page-widget:home/toolkit`, its links from app-config), with its
 * links into Create shown only to users who may run templates. The home plugin's own widget is
 * built twice, with and without those links, and the permission picks one: the links stay in
 * app-config and the widget keeps its config schema.
 */
export const toolkitWidget = homePlugin
  .getExtension('home-page-widget:home/toolkit')
  .override({
    *factory(originalFactory, { config }) {
      const full = originalFactory().get(homePageWidgetDataRef);
      const limited = originalFactory({
        config: { tools: config.tools.filter(tool => !isCreateLink(tool.url)) },
      }).get(homePageWidgetDataRef);

      const ToolkitForUser = (props: object) => {
        const { allowed } = usePermission({ permission: taskCreatePermission });
        return cloneElement(
          allowed ? full.component : limited.component,
          props,
        );
      };
      // The grid finds widgets by their component's data, so the wrapper carries the widget's.
      for (const key of WIDGET_DATA_KEYS) {
        attachComponentData(
          ToolkitForUser,
          key,
          getComponentData(full.component, key),
        );
      }
      yield homePageWidgetDataRef({
        ...full,
        component: <ToolkitForUser {...full.component.props} />,
      });
    },
  });
