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
      /**
       * The scaffolder actions developers may run (default: what the developer templates use:
       * fetch:template, debug:log, the idp:* golden-path actions but idp:undo, and
       * publish:gitlab:merge-request). Anything else, and idp:undo always, only platform
       * engineers.
       */
      developerActions?: string[];
    };
  };
}
