export interface Config {
  /** The deployment view (plugins/deployment and plugins/deployment-backend). */
  deployment?: {
    /**
     * Seconds between reads of a service's deployment status while its Deployment tab or
     * overview card is open and the browser tab is visible. 0 turns polling off (the Refresh
     * button still works). Default 10.
     *
     * @visibility frontend
     */
    refreshIntervalSeconds?: number;
  };
}
