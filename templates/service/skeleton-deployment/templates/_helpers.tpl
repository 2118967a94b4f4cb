{{/*
Labels of every object. backstage.io/kubernetes-id is the catalog entity's annotation of the
same name: the portal selects the service's objects by it. The idp.acme.example labels are the
ones the ApplicationEnvironment composition puts on the namespace.
*/}}
{{- define "service.labels" -}}
{{ include "service.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | quote }}
app.kubernetes.io/part-of: {{ .Values.system }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
backstage.io/kubernetes-id: {{ .Values.component }}
idp.acme.example/team: {{ .Values.team }}
idp.acme.example/system: {{ .Values.system }}
idp.acme.example/component: {{ .Values.component }}
{{- end }}

{{/* Labels that select the pods; never change them on a live Deployment (immutable). */}}
{{- define "service.selectorLabels" -}}
app.kubernetes.io/name: {{ .Values.component }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}
