export interface Config {
  auth?: {
    providers?: {
      /**
       * Local mode's sign-in as any sample user (localUsersModule). Its presence switches the
       * provider on; it takes no settings. The backend only loads it when auth.environment is
       * development, whatever this says.
       */
      local?: {};
    };
  };
}
