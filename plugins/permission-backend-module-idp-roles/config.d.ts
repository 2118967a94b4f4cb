export interface Config {
  idp?: {
    access?: {
      /**
       * Which catalog groups grant which role. Values are group entity refs; `*` matches within
       * a name (`group:default/team-*`). A role left out keeps its default: platform-engineer
       * `group:default/platform-team`, developer `group:default/team-*`, manager
       * `group:default/engineering-leadership`, auditor `group:default/security-compliance`.
       * Users in none of them may only read the catalog.
       */
      roles?: {
        'platform-engineer'?: string[];
        developer?: string[];
        manager?: string[];
        auditor?: string[];
      };
    };
  };
}
