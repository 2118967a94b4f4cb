export interface Config {
  idp?: {
    gitlab?: {
      /**
       * Host of the integrations.gitlab entry whose baseUrl the teams' projects live under (a
       * sub-path base such as https://example.org/gitlab works). Without it, only the platform's
       * own catalog locations may add entities.
       */
      host?: string;
      /**
       * The GitLab group under which every team has its own subgroup (default `idp`): a team's
       * projects are `<teamsGroup>/<team>/<project>`, and an entity registered from one of them
       * must be owned by `group:default/<team>`. May be nested, e.g. `acme/teams`.
       */
      teamsGroup?: string;
    };
  };
}
