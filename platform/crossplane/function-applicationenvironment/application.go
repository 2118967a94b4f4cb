package main

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// The subset of Argo CD's Application (argoproj.io/v1alpha1) this function writes, as our own
// types: the Argo CD Go module pulls in far more than a composition function needs. Field
// names and JSON tags follow the Application CRD; guardrails.test.ts applies the rendered
// Application to a real apiserver with Argo CD's CRD, which validates them.

// Application is an Argo CD Application.
type Application struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              ApplicationSpec `json:"spec"`
}

// ApplicationSpec is the Application's spec.
type ApplicationSpec struct {
	Project     string                 `json:"project"`
	Source      ApplicationSource      `json:"source"`
	Destination ApplicationDestination `json:"destination"`
	SyncPolicy  *SyncPolicy            `json:"syncPolicy,omitempty"`
}

// ApplicationSource is where the manifests come from.
type ApplicationSource struct {
	RepoURL        string                 `json:"repoURL"`
	Path           string                 `json:"path,omitempty"`
	TargetRevision string                 `json:"targetRevision,omitempty"`
	Helm           *ApplicationSourceHelm `json:"helm,omitempty"`
}

// ApplicationSourceHelm holds Helm options.
type ApplicationSourceHelm struct {
	ValueFiles []string        `json:"valueFiles,omitempty"`
	Parameters []HelmParameter `json:"parameters,omitempty"`
}

// HelmParameter is one Helm parameter (helm template --set, or --set-string with ForceString).
// Argo CD applies parameters after the value files, so they win over them.
type HelmParameter struct {
	Name        string `json:"name"`
	Value       string `json:"value"`
	ForceString bool   `json:"forceString,omitempty"`
}

// ApplicationDestination is the cluster and namespace to deploy to.
type ApplicationDestination struct {
	Server    string `json:"server,omitempty"`
	Namespace string `json:"namespace,omitempty"`
}

// SyncPolicy controls automated sync.
type SyncPolicy struct {
	Automated   *SyncPolicyAutomated `json:"automated,omitempty"`
	SyncOptions []string             `json:"syncOptions,omitempty"`
}

// SyncPolicyAutomated enables automated sync.
type SyncPolicyAutomated struct {
	Prune    bool `json:"prune,omitempty"`
	SelfHeal bool `json:"selfHeal,omitempty"`
}

// DeepCopyObject implements runtime.Object.
func (a *Application) DeepCopyObject() runtime.Object {
	if a == nil {
		return nil
	}
	out := *a
	a.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	out.Spec.Source.Helm = nil
	if a.Spec.Source.Helm != nil {
		out.Spec.Source.Helm = &ApplicationSourceHelm{
			ValueFiles: append([]string(nil), a.Spec.Source.Helm.ValueFiles...),
			Parameters: append([]HelmParameter(nil), a.Spec.Source.Helm.Parameters...),
		}
	}
	out.Spec.SyncPolicy = nil
	if a.Spec.SyncPolicy != nil {
		sp := &SyncPolicy{SyncOptions: append([]string(nil), a.Spec.SyncPolicy.SyncOptions...)}
		if a.Spec.SyncPolicy.Automated != nil {
			automated := *a.Spec.SyncPolicy.Automated
			sp.Automated = &automated
		}
		out.Spec.SyncPolicy = sp
	}
	return &out
}
