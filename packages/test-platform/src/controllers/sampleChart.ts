import { stringify } from 'yaml';

/** One workload of {@link sampleChart}: a Deployment of one container. */
export interface SampleWorkload {
  name: string;
  image: string;
  replicas?: number;
  /** The container's resources (requests and limits). */
  resources?: object;
  /** The Deployment's progress deadline (Kubernetes' default: 600 s). */
  progressDeadlineSeconds?: number;
}

/**
 * A small Helm chart, as a service's deployment repository holds one: Deployments (each pod spec
 * passes Pod Security `restricted`) labelled with the component's `backstage.io/kubernetes-id`,
 * and a Service for the first. `values` go into `environments/<environment>.yaml`, the value
 * file the platform's Argo CD Application reads after `values.yaml`. Images decide what kwok
 * plays (packages/test-platform/kwok/fault-stages.yaml): `crashloop`, `oomkill` and
 * `does-not-exist` in an image name fail the pods the way the deployment view explains.
 *
 * @public
 */
export function sampleChart(options: {
  component: string;
  team: string;
  environment: string;
  workloads: SampleWorkload[];
}): Record<string, string> {
  const { component, team, environment, workloads } = options;
  return {
    'Chart.yaml': stringify({
      apiVersion: 'v2',
      name: component,
      version: '0.1.0',
    }),
    'values.yaml': stringify({ port: 8080, team, workloads: [] }),
    [`environments/${environment}.yaml`]: stringify({ workloads }),
    'templates/workloads.yaml': `{{- $labels := dict "app.kubernetes.io/name" .Chart.Name "backstage.io/kubernetes-id" .Chart.Name "idp.acme.example/team" .Values.team "idp.acme.example/component" .Chart.Name }}
{{- range .Values.workloads }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .name }}
  labels: {{- toYaml $labels | nindent 4 }}
spec:
  replicas: {{ .replicas | default 1 }}
  {{- with .progressDeadlineSeconds }}
  progressDeadlineSeconds: {{ . }}
  {{- end }}
  selector:
    matchLabels:
      app.kubernetes.io/instance: {{ .name }}
  template:
    metadata:
      labels:
        app.kubernetes.io/instance: {{ .name }}
        {{- toYaml $labels | nindent 8 }}
    spec:
      securityContext:
        runAsNonRoot: true
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: app
          image: {{ .image }}
          ports:
            - containerPort: {{ $.Values.port }}
          securityContext:
            allowPrivilegeEscalation: false
            capabilities:
              drop: [ALL]
          {{- with .resources }}
          resources: {{- toYaml . | nindent 12 }}
          {{- end }}
{{- end }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ .Chart.Name }}
  labels: {{- toYaml $labels | nindent 4 }}
spec:
  selector:
    app.kubernetes.io/instance: {{ .Chart.Name }}
  ports:
    - port: 80
      targetPort: {{ .Values.port }}
`,
  };
}
