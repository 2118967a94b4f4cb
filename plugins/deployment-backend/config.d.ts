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
  };
}
