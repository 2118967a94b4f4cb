package main

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/crossplane/function-sdk-go/errors"
	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/request"
	fnresource "github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
	"github.com/crossplane/function-sdk-go/response"

	"idp.acme.example/function-applicationenvironment/input"
)

// Composition resource names: the keys of the desired composed resources. They are stable
// (Crossplane matches observed to desired resources by them), so never rename one: Crossplane
// would delete the old resource and create a new one.
const (
	NameNamespace           = "namespace"
	NameApplication         = "application"
	NameResourceQuota       = "resource-quota"
	NameLimitRange          = "limit-range"
	NameNetworkPolicyDeny   = "network-policy-default-deny"
	NameNetworkPolicySameNS = "network-policy-same-namespace"
	NameNetworkPolicyGW     = "network-policy-gateway"
	NameRoleBindingTeamEdit = "role-binding-team-edit"
)

// RequirementTargetNamespace is the key under which the function asks Crossplane for the
// environment's namespace as it already exists in the cluster (by name; Crossplane answers with
// no item when there is none). See checkTargetNamespace.
const RequirementTargetNamespace = "target-namespace"

// LabelTeam is the label saying which team a namespace belongs to: every composed resource carries
// it, and a platform admin may set it on a namespace created outside the platform to hand it to a
// team (the function then lets that team's environment adopt it).
const LabelTeam = "idp.acme.example/team"

// LabelPreview is the label naming the preview (spec.preview.name) on every composed resource of
// a preview environment. A preview also carries idp.acme.example/environment: development, so
// this label is what tells its resources from the development environment's.
const LabelPreview = "idp.acme.example/preview"

// previewEnvironment is the only environment a preview may be of (the XRD's CEL rule says so too).
const previewEnvironment = "development"

// dnsName is the XRD's pattern of a host name (definition.yaml, exposure.hostname).
var dnsName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)

// previewName is the XRD's pattern of spec.preview.name (a DNS label) and its maxLength: the name
// goes into the namespace, the Application's name and a label value.
var previewName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

const previewNameMaxLength = 20

// Defaults of optional spec fields.
const (
	defaultSize = "small"
	defaultPath = "."
	defaultPort = 8080
	argoCDNS    = "argocd"
)

// Preset is the quota and container maximum of one spec.size.
type Preset struct {
	RequestsCPU, RequestsMemory string
	LimitsCPU, LimitsMemory     string
	Pods, PVCs                  string
	MaxCPU, MaxMemory           string
}

// Presets per spec.size. They live in code, not in the function's input, on purpose: they are
// guardrails reviewed like code (tests/expected/ shows their effect), and the XRD's enum of
// sizes must change with them. platform/README.md documents the table.
var Presets = map[string]Preset{
	"small":  {RequestsCPU: "2", RequestsMemory: "4Gi", LimitsCPU: "4", LimitsMemory: "8Gi", Pods: "20", PVCs: "5", MaxCPU: "1", MaxMemory: "2Gi"},
	"medium": {RequestsCPU: "4", RequestsMemory: "8Gi", LimitsCPU: "8", LimitsMemory: "16Gi", Pods: "40", PVCs: "10", MaxCPU: "2", MaxMemory: "4Gi"},
	"large":  {RequestsCPU: "8", RequestsMemory: "16Gi", LimitsCPU: "16", LimitsMemory: "32Gi", Pods: "80", PVCs: "20", MaxCPU: "4", MaxMemory: "8Gi"},
}

// Spec is the part of an ApplicationEnvironment's spec this function reads (definition.yaml).
type Spec struct {
	Team            string `json:"team"`
	System          string `json:"system"`
	Component       string `json:"component"`
	Environment     string `json:"environment"`
	TargetNamespace string `json:"targetNamespace,omitempty"`
	Size            string `json:"size,omitempty"`
	Repository      struct {
		URL      string `json:"url"`
		Path     string `json:"path,omitempty"`
		Revision string `json:"revision,omitempty"`
	} `json:"repository"`
	Exposure struct {
		Mode     string `json:"mode,omitempty"`
		Hostname string `json:"hostname,omitempty"`
		Port     int32  `json:"port,omitempty"`
	} `json:"exposure,omitempty"`
	Preview *Preview `json:"preview,omitempty"`
}

// Preview is spec.preview: a short-lived preview of a branch or merge request of the app
// repository, in a development environment of its own. The portal deletes the XR when ExpiresAt
// passes; the function does not read ExpiresAt, Branch or MergeRequest (they are the portal's
// records), only Name (the names) and Image (Helm parameters).
type Preview struct {
	Name         string        `json:"name"`
	Branch       string        `json:"branch"`
	MergeRequest int           `json:"mergeRequest,omitempty"`
	ExpiresAt    string        `json:"expiresAt,omitempty"`
	Image        *PreviewImage `json:"image,omitempty"`
}

// PreviewImage is the image the app's pipeline built for the preview's branch.
type PreviewImage struct {
	Repository string `json:"repository"`
	Tag        string `json:"tag"`
}

// suffix ends the environment's namespace and Application names: the environment, or
// preview-<name> for a preview. The preview- part keeps a preview named staging from taking the
// staging environment's names (plugins/idp-common naming.ts mirrors this).
func (s Spec) suffix() string {
	if s.Preview != nil {
		return "preview-" + s.Preview.Name
	}
	return s.Environment
}

// Namespace is the environment's namespace: spec.targetNamespace, or
// <team>-<component>-<environment> (a preview's <team>-<component>-preview-<name>).
func (s Spec) Namespace() string {
	if s.TargetNamespace != "" {
		return s.TargetNamespace
	}
	return fmt.Sprintf("%s-%s-%s", s.Team, s.Component, s.suffix())
}

// Application is the Argo CD Application's name: <component>-<environment> (a preview's
// <component>-preview-<name>).
func (s Spec) Application() string {
	return fmt.Sprintf("%s-%s", s.Component, s.suffix())
}

// Labels are on every composed resource; the portal finds them by these.
func (s Spec) Labels() map[string]string {
	labels := map[string]string{
		"backstage.io/kubernetes-id":   s.Component,
		"idp.acme.example/team":        s.Team,
		"idp.acme.example/system":      s.System,
		"idp.acme.example/component":   s.Component,
		"idp.acme.example/environment": s.Environment,
	}
	if s.Preview != nil {
		labels[LabelPreview] = s.Preview.Name
	}
	return labels
}

func (s Spec) validate() error {
	for field, value := range map[string]string{
		"spec.team": s.Team, "spec.system": s.System, "spec.component": s.Component,
		"spec.environment": s.Environment, "spec.repository.url": s.Repository.URL,
	} {
		if value == "" {
			return errors.Errorf("%s is required", field)
		}
	}
	if _, ok := Presets[s.Size]; !ok {
		return errors.Errorf("spec.size %q is not one of small, medium, large", s.Size)
	}
	if s.Preview != nil {
		return s.Preview.validate(s.Environment)
	}
	return nil
}

// validate checks a preview as the XRD does (defence in depth: a preview on staging or
// production would deploy a branch's image there, and its name goes into every composed name).
func (p Preview) validate(environment string) error {
	if environment != previewEnvironment {
		return errors.Errorf("preview environments are development environments: spec.environment is %q, it must be %s", environment, previewEnvironment)
	}
	if p.Name == "" {
		return errors.New("spec.preview.name is required")
	}
	if len(p.Name) > previewNameMaxLength || !previewName.MatchString(p.Name) {
		return errors.Errorf("spec.preview.name %q is not a DNS label of at most %d characters, such as mr-42", p.Name, previewNameMaxLength)
	}
	if p.Branch == "" {
		return errors.New("spec.preview.branch is required")
	}
	if p.Image != nil && (p.Image.Repository == "" || p.Image.Tag == "") {
		return errors.New("spec.preview.image needs both repository and tag")
	}
	return nil
}

// HelmParameters are the Application's Helm parameters: none for an environment (its values
// files say everything); for a preview exposure.mode=internal - it never takes development's
// public hostname, which the values files of development may set - and the image its branch's
// pipeline built, when known (until then the chart's development image runs). forceString keeps
// a tag such as 20250114 or 1e3 a string (helm --set would make it a number).
func (s Spec) HelmParameters() []HelmParameter {
	if s.Preview == nil {
		return nil
	}
	params := []HelmParameter{{Name: "exposure.mode", Value: "internal"}}
	if img := s.Preview.Image; img != nil {
		params = append(params,
			HelmParameter{Name: "image.repository", Value: img.Repository},
			HelmParameter{Name: "image.tag", Value: img.Tag, ForceString: true})
	}
	return params
}

// hostnameSuffixes returns the input's allowedHostnameSuffixes normalised (lower case, no
// leading "*." or ".", no trailing "."), or an error naming an entry that is not a DNS domain.
func hostnameSuffixes(in input.ApplicationEnvironmentInput) ([]string, error) {
	out := make([]string, 0, len(in.AllowedHostnameSuffixes))
	for i, raw := range in.AllowedHostnameSuffixes {
		suffix := strings.ToLower(strings.TrimSpace(raw))
		suffix = strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(suffix, "*"), "."), ".")
		if !dnsName.MatchString(suffix) {
			return nil, errors.Errorf("allowedHostnameSuffixes[%d] %q is not a DNS domain such as apps.acme.example", i, raw)
		}
		out = append(out, suffix)
	}
	return out, nil
}

// checkHostname refuses a spec.exposure.hostname outside the allowed domains: it must be a
// subdomain of one of them (the domain itself is not a host). No suffixes: any hostname.
func checkHostname(s Spec, suffixes []string) error {
	host := strings.TrimSuffix(strings.ToLower(s.Exposure.Hostname), ".")
	if host == "" || len(suffixes) == 0 {
		return nil
	}
	for _, suffix := range suffixes {
		if strings.HasSuffix(host, "."+suffix) {
			return nil
		}
	}
	return errors.Errorf("spec.exposure.hostname %q is not in a domain the platform serves (%s): use a name such as %s.%s",
		s.Exposure.Hostname, strings.Join(suffixes, ", "), s.Component, suffixes[0])
}

// namespaceRequirement asks Crossplane for the environment's namespace by name. It is the same
// on every call for the same spec, so Crossplane's requirement loop settles after one round.
func namespaceRequirement(ns string) *fnv1.Requirements {
	return &fnv1.Requirements{Resources: map[string]*fnv1.ResourceSelector{
		RequirementTargetNamespace: {
			ApiVersion: "v1",
			Kind:       "Namespace",
			Match:      &fnv1.ResourceSelector_MatchName{MatchName: ns},
		},
	}}
}

// requiredNamespace returns the namespace Crossplane fetched for RequirementTargetNamespace.
// answered is false on the first call of a reconcile, before Crossplane has fetched it; existing
// is nil when Crossplane looked and the namespace does not exist.
func requiredNamespace(req *fnv1.RunFunctionRequest, ns string) (existing *unstructured.Unstructured, answered bool, err error) {
	if _, ok := req.GetRequiredResources()[RequirementTargetNamespace]; !ok {
		return nil, false, nil
	}
	required, err := request.GetRequiredResources(req)
	if err != nil {
		return nil, true, err
	}
	for _, r := range required[RequirementTargetNamespace] {
		if r.Resource.GetKind() == "Namespace" && r.Resource.GetName() == ns {
			return r.Resource, true, nil
		}
	}
	return nil, true, nil
}

// checkTargetNamespace refuses an environment whose namespace already exists and is not this
// environment's to use: it must be composed by this XR (its observed composed namespace, or
// controlled by the XR's UID), or, when no controller owns it, carry the label
// idp.acme.example/team of the XR's team (a namespace a platform admin handed to the team; the
// XR then adopts it). Everything else - another team's namespace, one controlled by another
// ApplicationEnvironment or controller, a namespace without the team label such as default - is
// refused: Crossplane would adopt it, bind the team's group to edit in it, and delete it with
// the XR.
func checkTargetNamespace(existing *unstructured.Unstructured, s Spec, xr *fnresource.Composite,
	observed map[fnresource.Name]fnresource.ObservedComposed) error {
	if existing == nil {
		return nil
	}
	ns := s.Namespace()
	if o, ok := observed[NameNamespace]; ok && o.Resource.GetName() == ns {
		return nil
	}
	if c := metav1.GetControllerOf(existing); c != nil {
		if uid := xr.Resource.GetUID(); uid != "" && c.UID == uid {
			return nil
		}
		return errors.Errorf("namespace %q already exists and is controlled by %s %q, not by this ApplicationEnvironment: choose another targetNamespace",
			ns, c.Kind, c.Name)
	}
	switch team := existing.GetLabels()[LabelTeam]; team {
	case s.Team:
		return nil
	case "":
		return errors.Errorf("namespace %q already exists and does not belong to team %q (no %s label): the platform does not take over namespaces it did not create; choose another targetNamespace, or have a platform admin label the namespace %s=%s",
			ns, s.Team, LabelTeam, LabelTeam, s.Team)
	default:
		return errors.Errorf("namespace %q already exists and belongs to team %q (label %s), not to team %q: choose another targetNamespace",
			ns, team, LabelTeam, s.Team)
	}
}

// Function composes an ApplicationEnvironment.
type Function struct {
	fnv1.UnimplementedFunctionRunnerServiceServer

	log logging.Logger
}

// RunFunction adds the environment's composed resources to the desired state and sets the XR's
// status.namespace and status.argocdApplication.
func (f *Function) RunFunction(_ context.Context, req *fnv1.RunFunctionRequest) (*fnv1.RunFunctionResponse, error) {
	rsp := response.To(req, response.DefaultTTL)

	in := &input.ApplicationEnvironmentInput{}
	if req.GetInput() != nil {
		if err := request.GetInput(req, in); err != nil {
			response.Fatal(rsp, errors.Wrap(err, "cannot read the function's input"))
			return rsp, nil
		}
	}
	settings := in.WithDefaults()

	oxr, err := request.GetObservedCompositeResource(req)
	if err != nil {
		response.Fatal(rsp, errors.Wrap(err, "cannot get the observed composite resource"))
		return rsp, nil
	}
	spec := Spec{}
	if err := oxr.Resource.GetValueInto("spec", &spec); err != nil {
		response.Fatal(rsp, errors.Wrap(err, "cannot read the composite resource's spec"))
		return rsp, nil
	}
	if spec.Size == "" {
		spec.Size = defaultSize
	}
	if err := spec.validate(); err != nil {
		response.Fatal(rsp, errors.Wrap(err, "invalid ApplicationEnvironment"))
		return rsp, nil
	}
	suffixes, err := hostnameSuffixes(settings)
	if err != nil {
		response.Fatal(rsp, errors.Wrap(err, "invalid function input"))
		return rsp, nil
	}
	if err := checkHostname(spec, suffixes); err != nil {
		response.Fatal(rsp, errors.Wrap(err, "refused ApplicationEnvironment"))
		return rsp, nil
	}
	log := f.log.WithValues("xr", oxr.Resource.GetName(), "namespace", spec.Namespace())

	// The namespace as it exists in the cluster. Crossplane calls the function, fetches what
	// rsp.Requirements asks for and calls it again with it (required_resources), until the
	// requirements stop changing; only that last response counts. So the first response's desired
	// state is discarded - but it is never left empty for an XR that already has composed
	// resources (see below), so a runtime that applied it could not delete them.
	rsp.Requirements = namespaceRequirement(spec.Namespace())
	observed, err := request.GetObservedComposedResources(req)
	if err != nil {
		response.Fatal(rsp, errors.Wrap(err, "cannot get the observed composed resources"))
		return rsp, nil
	}
	existing, answered, err := requiredNamespace(req, spec.Namespace())
	if err != nil {
		response.Fatal(rsp, errors.Wrap(err, "cannot read the required namespace"))
		return rsp, nil
	}
	switch {
	case !answered && len(observed) == 0:
		// A new XR: ask for the namespace and compose nothing until it has been checked.
		log.Debug("asking for the target namespace before composing")
		return rsp, nil
	case !answered:
		// An existing XR: compose as usual (the same desired state the checked call returns when
		// the namespace is still its own), so this response never drops a composed resource.
		log.Debug("asking for the target namespace; keeping the composed resources desired")
	default:
		if err := checkTargetNamespace(existing, spec, oxr, observed); err != nil {
			response.Fatal(rsp, errors.Wrap(err, "refused ApplicationEnvironment"))
			return rsp, nil
		}
	}

	objects, err := Compose(spec, settings)
	if err != nil {
		response.Fatal(rsp, errors.Wrap(err, "cannot compose resources"))
		return rsp, nil
	}
	if answered && len(observed) > 0 && (existing == nil || existing.GetDeletionTimestamp() != nil) {
		// The XR's namespace is gone (deleted under it) or going. Crossplane fails a whole
		// reconcile on the first composed resource it cannot apply, in no fixed order, and
		// backs off: the quota, limits, policies and role binding, refused while their namespace
		// does not exist, could hold the namespace's own recreation back for minutes. So this
		// reconcile composes what lives outside it (the namespace, the Application) and the
		// namespace's creation triggers the next one, which composes the rest.
		for name, obj := range objects {
			if obj.GetNamespace() == spec.Namespace() {
				delete(objects, name)
			}
		}
		log.Debug("target namespace missing: composing it before what lives in it")
	}

	// Keep what earlier pipeline steps desired; ours win on a name clash.
	desired, err := request.GetDesiredComposedResources(req)
	if err != nil {
		response.Fatal(rsp, errors.Wrap(err, "cannot get the desired composed resources"))
		return rsp, nil
	}
	for name, obj := range objects {
		desired[name] = &fnresource.DesiredComposed{Resource: obj, Ready: Readiness(string(name), observed)}
	}
	if err := response.SetDesiredComposedResources(rsp, desired); err != nil {
		response.Fatal(rsp, errors.Wrap(err, "cannot set the desired composed resources"))
		return rsp, nil
	}

	dxr, err := request.GetDesiredCompositeResource(req)
	if err != nil {
		response.Fatal(rsp, errors.Wrap(err, "cannot get the desired composite resource"))
		return rsp, nil
	}
	dxr.Resource.SetAPIVersion(oxr.Resource.GetAPIVersion())
	dxr.Resource.SetKind(oxr.Resource.GetKind())
	for path, value := range map[string]string{
		"status.namespace":         spec.Namespace(),
		"status.argocdApplication": spec.Application(),
	} {
		if err := dxr.Resource.SetString(path, value); err != nil {
			response.Fatal(rsp, errors.Wrapf(err, "cannot set %s", path))
			return rsp, nil
		}
	}
	if err := response.SetDesiredCompositeResource(rsp, dxr); err != nil {
		response.Fatal(rsp, errors.Wrap(err, "cannot set the desired composite resource"))
		return rsp, nil
	}

	log.Debug("composed environment", "resources", len(objects))
	return rsp, nil
}

// Compose returns the environment's composed resources by composition resource name.
func Compose(spec Spec, settings input.ApplicationEnvironmentInput) (map[fnresource.Name]*composed.Unstructured, error) {
	ns := spec.Namespace()
	preset := Presets[spec.Size]
	port := spec.Exposure.Port
	if port == 0 {
		port = defaultPort
	}
	path := spec.Repository.Path
	if path == "" {
		path = defaultPath
	}
	revision := spec.Repository.Revision
	if revision == "" {
		revision = spec.Environment
	}
	meta := func(name, namespace string, extra map[string]string) metav1.ObjectMeta {
		labels := spec.Labels()
		for k, v := range extra {
			labels[k] = v
		}
		return metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: labels}
	}
	sized := map[string]string{"idp.acme.example/size": spec.Size}
	ingress := []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
	tcp := corev1.ProtocolTCP
	gatewayPort := intstr.FromInt32(port)
	q := resource.MustParse

	objects := map[fnresource.Name]runtime.Object{
		NameNamespace: &corev1.Namespace{
			TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
			ObjectMeta: meta(ns, "", map[string]string{
				"pod-security.kubernetes.io/enforce":         "restricted",
				"pod-security.kubernetes.io/enforce-version": "latest",
			}),
		},
		NameApplication: &Application{
			TypeMeta:   metav1.TypeMeta{APIVersion: "argoproj.io/v1alpha1", Kind: "Application"},
			ObjectMeta: meta(spec.Application(), argoCDNS, nil),
			Spec: ApplicationSpec{
				Project: spec.Team,
				Source: ApplicationSource{
					RepoURL:        spec.Repository.URL,
					Path:           path,
					TargetRevision: revision,
					// A preview deploys like its development environment (same branch and values
					// files), changed only by its Helm parameters.
					Helm: &ApplicationSourceHelm{
						ValueFiles: []string{
							"values.yaml",
							fmt.Sprintf("environments/%s.yaml", spec.Environment),
						},
						Parameters: spec.HelmParameters(),
					},
				},
				Destination: ApplicationDestination{Server: settings.InClusterServer, Namespace: ns},
				SyncPolicy: &SyncPolicy{
					Automated:   &SyncPolicyAutomated{Prune: true, SelfHeal: true},
					SyncOptions: []string{"CreateNamespace=false"},
				},
			},
		},
		NameResourceQuota: &corev1.ResourceQuota{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ResourceQuota"},
			ObjectMeta: meta("team-quota", ns, sized),
			Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{
				corev1.ResourceRequestsCPU:            q(preset.RequestsCPU),
				corev1.ResourceRequestsMemory:         q(preset.RequestsMemory),
				corev1.ResourceLimitsCPU:              q(preset.LimitsCPU),
				corev1.ResourceLimitsMemory:           q(preset.LimitsMemory),
				corev1.ResourcePods:                   q(preset.Pods),
				corev1.ResourcePersistentVolumeClaims: q(preset.PVCs),
				corev1.ResourceServicesLoadBalancers:  q("0"),
				corev1.ResourceServicesNodePorts:      q("0"),
			}},
		},
		NameLimitRange: &corev1.LimitRange{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "LimitRange"},
			ObjectMeta: meta("container-defaults", ns, sized),
			Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{
				Type:           corev1.LimitTypeContainer,
				DefaultRequest: corev1.ResourceList{corev1.ResourceCPU: q("100m"), corev1.ResourceMemory: q("128Mi")},
				Default:        corev1.ResourceList{corev1.ResourceCPU: q("500m"), corev1.ResourceMemory: q("512Mi")},
				Max:            corev1.ResourceList{corev1.ResourceCPU: q(preset.MaxCPU), corev1.ResourceMemory: q(preset.MaxMemory)},
			}}},
		},
		NameNetworkPolicyDeny: &networkingv1.NetworkPolicy{
			TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
			ObjectMeta: meta("default-deny-ingress", ns, nil),
			Spec:       networkingv1.NetworkPolicySpec{PolicyTypes: ingress},
		},
		NameNetworkPolicySameNS: &networkingv1.NetworkPolicy{
			TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
			ObjectMeta: meta("allow-same-namespace", ns, nil),
			Spec: networkingv1.NetworkPolicySpec{
				PolicyTypes: ingress,
				Ingress: []networkingv1.NetworkPolicyIngressRule{{
					From: []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{}}},
				}},
			},
		},
		NameNetworkPolicyGW: &networkingv1.NetworkPolicy{
			TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
			ObjectMeta: meta("allow-from-gateway", ns, nil),
			Spec: networkingv1.NetworkPolicySpec{
				PolicyTypes: ingress,
				Ingress: []networkingv1.NetworkPolicyIngressRule{{
					From: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{
						MatchLabels: map[string]string{"kubernetes.io/metadata.name": settings.GatewayNamespace},
					}}},
					Ports: []networkingv1.NetworkPolicyPort{{Protocol: &tcp, Port: &gatewayPort}},
				}},
			},
		},
		NameRoleBindingTeamEdit: &rbacv1.RoleBinding{
			TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "RoleBinding"},
			ObjectMeta: meta("team-edit", ns, nil),
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "edit"},
			Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.GroupKind, Name: spec.Team}},
		},
	}

	out := make(map[fnresource.Name]*composed.Unstructured, len(objects))
	for name, obj := range objects {
		u, err := toComposed(obj)
		if err != nil {
			return nil, errors.Wrapf(err, "cannot convert %s", name)
		}
		out[name] = u
	}
	return out, nil
}

// toComposed converts a typed object with encoding/json semantics. (composed.From uses
// go-json-experiment, whose omitempty also drops empty objects: it would turn the peer
// `podSelector: {}` of allow-same-namespace, "every pod of this namespace", into `{}`.) What
// no manifest should carry is then removed: a null creationTimestamp and empty spec or status.
func toComposed(obj runtime.Object) (*composed.Unstructured, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, err
	}
	if md, ok := m["metadata"].(map[string]any); ok {
		delete(md, "creationTimestamp")
	}
	for _, field := range []string{"spec", "status"} {
		if v, ok := m[field].(map[string]any); ok && len(v) == 0 {
			delete(m, field)
		}
	}
	return &composed.Unstructured{Unstructured: unstructured.Unstructured{Object: m}}, nil
}

// Readiness says when a composed resource is ready, from what the cluster reports of it.
// function-auto-ready (the next pipeline step) only trusts a Ready=True condition, and none of
// these kinds has one, so without this the XR would never be Ready on a real cluster (the
// test platform's status simulator used to hide that). The environment is Ready when its
// namespace is Active, every guardrail exists, and Argo CD has compared the Application with
// the deployment repository (it could read it): whether the service itself runs is the
// Application's health, which the portal shows beside the XR's conditions.
func Readiness(name string, observed map[fnresource.Name]fnresource.ObservedComposed) fnresource.Ready {
	o, ok := observed[fnresource.Name(name)]
	if !ok || o.Resource == nil {
		return fnresource.ReadyFalse
	}
	switch name {
	case NameNamespace:
		phase, _ := o.Resource.GetString("status.phase")
		if phase != string(corev1.NamespaceActive) {
			return fnresource.ReadyFalse
		}
	case NameApplication:
		status, _ := o.Resource.GetString("status.sync.status")
		if status != "Synced" && status != "OutOfSync" {
			return fnresource.ReadyFalse
		}
	}
	return fnresource.ReadyTrue
}
