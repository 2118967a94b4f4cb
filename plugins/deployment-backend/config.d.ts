export interface Config {
  /** The deployment view's backend (plugins/deployment-backend). */
  deployment?: {
    /**
     * How long one cluster may take to answer before the view shows it as timed out; the other
     * clusters are not held up. Default 5.
     */
    clusterTimeoutSeconds?: number;
    /** Where the Argo CD Applications live. Default idp.argocd.namespace, or argocd. */
    argocdNamespace?: string;
    /** Preview environments of branches (POST /api/deployment/entities/…/previews). */
    previews?: {
      /** Hours a preview lives when the request names none. Default 72. */
      defaultTtlHours?: number;
      /** The most a request may ask for; more is refused. Default 168 (a week). */
      maxTtlHours?: number;
      /** How often the scheduled task removes expired previews (once across replicas). Default 300. */
      reapIntervalSeconds?: number;
      /**
       * Pipelines that may create and remove previews: the `subject` of a Backstage external
       * access token (backend.auth.externalAccess, type static, restricted to the deployment
       * plugin) and the one team whose services it may preview.
       */
      pipelines?: Array<{ subject: string; team: string }>;
    };
  };
}
