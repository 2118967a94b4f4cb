export interface Config {
  /** The IDP portal's golden-path actions. */
  idp?: {
    gitlab?: {
      /**
       * Host of the integrations.gitlab entry the actions use when a template names none
       * (the token comes from that entry; there is no second token setting).
       */
      host?: string;
      /**
       * The GitLab group holding one subgroup per team (default idp): a team's projects go into
       * <teamsGroup>/<team>, derived from the verified owner, never from a form value.
       */
      teamsGroup?: string;
      /** What idp:undo does with GitLab projects: delete them (default) or archive them. */
      projectRemoval?: 'delete' | 'archive';
      /** Retries of transient GitLab failures (429, 502-504, lost connections). */
      retry?: {
        /** Attempts in total (default 4). */
        attempts?: number;
        /** First backoff delay in milliseconds (default 500), doubled per attempt. */
        minDelayMs?: number;
        /** Longest wait in milliseconds, including Retry-After (default 30000). */
        maxDelayMs?: number;
      };
      /** The deployment project's image-bump token and the Argo CD deploy token. */
      deployToken?: {
        /** Days until the tokens expire (default 90). */
        expiryDays?: number;
        /** Access level of the project access token (default 40, Maintainer, to push to protected production). */
        accessLevel?: number;
        /** CI/CD variable of the application project that holds it (default DEPLOY_REPO_TOKEN). */
        variableName?: string;
      };
    };
    environment?: {
      /** apiVersion of ApplicationEnvironment (default idp.acme.example/v1alpha1). */
      apiVersion?: string;
      /** Kind (default ApplicationEnvironment; a legacy claim kind for Crossplane v1). */
      kind?: string;
      /** Cluster for the v2 XR (default), Namespaced for a legacy v1 claim. */
      scope?: 'Cluster' | 'Namespaced';
      /** Namespace of legacy claims. */
      claimNamespace?: string;
      /** Server-side apply field manager (default backstage-idp). */
      fieldManager?: string;
      /** Environment name to cluster name (from kubernetes.clusterLocatorMethods). */
      clusters?: { [environment: string]: string };
      /** How long idp:environment:apply waits for Ready (default 600). */
      waitTimeoutSeconds?: number;
      /** Seconds between readiness checks (default 2). */
      pollIntervalSeconds?: number;
      /**
       * Domains public hostnames must be under (e.g. apps.acme.example allows
       * refunds.apps.acme.example). Unset: any DNS name (never an IP address or a wildcard).
       */
      publicDomains?: string[];
      /** Commit ApplicationEnvironments to a GitOps repository instead of applying them. */
      gitops?: {
        /** integrations.gitlab host. */
        host: string;
        /** Full path of the repository Argo CD syncs the XRs from. */
        project: string;
        /** Target branch (default main). */
        branch?: string;
        /** Directory in the repository (default environments); files go to <path>/<cluster>/<name>.yaml. */
        path?: string;
        /** push (default) commits to the branch; merge-request proposes the change. */
        mode?: 'push' | 'merge-request';
      };
    };
    argocd?: {
      /** How Argo CD gets read access to deployment repositories: secret, or none (default). */
      repositoryCredentials?: 'secret' | 'none';
      /** Namespace of Argo CD's repository Secrets (default argocd). */
      namespace?: string;
      /** Clusters (from the kubernetes configuration) whose Argo CD gets the Secret. */
      clusters?: string[];
    };
    catalog?: {
      /** How long idp:catalog:register waits for the entity (default 120). */
      waitTimeoutSeconds?: number;
    };
    undo?: {
      /**
       * Key that signs undo records (default: the first backend.auth.keys secret). Every
       * replica needs the same key to undo each other's tasks.
       * @visibility secret
       */
      recordKey?: string;
    };
  };
}
