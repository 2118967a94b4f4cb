import { createApp } from '@backstage/frontend-defaults';
import catalogPlugin from '@backstage/plugin-catalog/alpha';
import { navModule } from './modules/nav';
import { homeModule } from './modules/home';
import { signInModule } from './modules/signIn';

// Other plugins are discovered from packages/app/package.json (app.packages: all).
export default createApp({
  features: [catalogPlugin, navModule, homeModule, signInModule],
});
