// Package input holds the optional input of function-applicationenvironment: what a Composition
// may set in its pipeline step's `input`. Every field is optional; unset fields use the defaults
// below, so a step without input composes the platform's standard environment.
package input

import (
	"slices"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Group and Version of the input type (package/input/ holds its CRD for `crossplane xpkg build`).
const (
	Group   = "applicationenvironment.fn.idp.acme.example"
	Version = "v1beta1"
	Kind    = "ApplicationEnvironmentInput"
)

// Defaults used when the input leaves a field unset.
const (
	DefaultGatewayNamespace = "gateway-system"
	DefaultInClusterServer  = "https://kubernetes.default.svc"
)

// ApplicationEnvironmentInput configures the platform-wide settings of the composition.
type ApplicationEnvironmentInput struct {
	APIVersion string `json:"apiVersion,omitempty"`
	Kind       string `json:"kind,omitempty"`

	// GatewayNamespace is the namespace of the ingress gateway: allow-from-gateway admits
	// traffic from it on the exposure port. Default: gateway-system.
	GatewayNamespace string `json:"gatewayNamespace,omitempty"`

	// InClusterServer is the Argo CD destination server. Default: https://kubernetes.default.svc.
	InClusterServer string `json:"inClusterServer,omitempty"`

	// AllowedHostnameSuffixes are the DNS domains public hostnames (spec.exposure.hostname) may
	// be in: a hostname must be a subdomain of one of them (refunds.apps.acme.example for
	// apps.acme.example; the domain itself is not a host). Empty: any DNS name the XRD accepts.
	AllowedHostnameSuffixes []string `json:"allowedHostnameSuffixes,omitempty"`
}

// GetObjectKind implements runtime.Object.
func (in *ApplicationEnvironmentInput) GetObjectKind() schema.ObjectKind {
	return schema.EmptyObjectKind
}

// DeepCopyObject implements runtime.Object.
func (in *ApplicationEnvironmentInput) DeepCopyObject() runtime.Object {
	if in == nil {
		return nil
	}
	out := *in
	out.AllowedHostnameSuffixes = slices.Clone(in.AllowedHostnameSuffixes)
	return &out
}

// WithDefaults returns a copy with unset fields set to their defaults.
func (in *ApplicationEnvironmentInput) WithDefaults() ApplicationEnvironmentInput {
	out := ApplicationEnvironmentInput{}
	if in != nil {
		out = *in.DeepCopyObject().(*ApplicationEnvironmentInput)
	}
	if out.GatewayNamespace == "" {
		out.GatewayNamespace = DefaultGatewayNamespace
	}
	if out.InClusterServer == "" {
		out.InClusterServer = DefaultInClusterServer
	}
	return out
}
