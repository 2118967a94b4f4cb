import { createFrontendModule } from '@backstage/frontend-plugin-api';
import { SignInPageBlueprint } from '@backstage/plugin-app-react';

const signInPage = SignInPageBlueprint.make({
  params: {
    loader: async () => (await import('./SignInPage')).SignInPage,
  },
});

/** Replaces the default guest-only sign-in page of the app plugin. */
export const signInModule = createFrontendModule({
  pluginId: 'app',
  extensions: [signInPage],
});
