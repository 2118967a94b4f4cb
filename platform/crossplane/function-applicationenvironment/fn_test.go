package main

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
	"github.com/crossplane/function-sdk-go/response"

	"idp.acme.example/function-applicationenvironment/input"
)

const xrPayments = `{
  "apiVersion": "idp.acme.example/v1alpha1",
  "kind": "ApplicationEnvironment",
  "metadata": {"name": "payments-api-staging"},
  "spec": {
    "team": "team-payments", "system": "payments", "component": "payments-api",
    "environment": "staging", "size": "medium",
    "repository": {"url": "https://gitlab.acme.example/idp/team-payments/payments-api-deploy.git"}
  }
}`

func run(t *testing.T, req *fnv1.RunFunctionRequest) *fnv1.RunFunctionResponse {
	t.Helper()
	rsp, err := (&Function{log: logging.NewNopLogger()}).RunFunction(context.Background(), req)
	if err != nil {
		t.Fatalf("RunFunction: %v", err)
	}
	return rsp
}

// newRequest is the call Crossplane makes once it has fetched the required target namespace,
// here one that does not exist (Crossplane sends the requirement's key with no items).
func newRequest(xr string, in string) *fnv1.RunFunctionRequest {
	req := firstCall(xr, in)
	req.RequiredResources = map[string]*fnv1.Resources{RequirementTargetNamespace: {}}
	return req
}

// firstCall is Crossplane's first call of a reconcile: no required resources fetched yet.
func firstCall(xr string, in string) *fnv1.RunFunctionRequest {
	req := &fnv1.RunFunctionRequest{
		Meta:     &fnv1.RequestMeta{Tag: "t"},
		Observed: &fnv1.State{Composite: &fnv1.Resource{Resource: resource.MustStructJSON(xr)}},
	}
	if in != "" {
		req.Input = resource.MustStructJSON(in)
	}
	return req
}

func field(t *testing.T, rsp *fnv1.RunFunctionResponse, name string, path ...string) any {
	t.Helper()
	r, ok := rsp.GetDesired().GetResources()[name]
	if !ok {
		t.Fatalf("no desired resource %q", name)
	}
	var v any = r.GetResource().AsMap()
	for _, p := range path {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		default:
			t.Fatalf("%s: %v is not an object at %q", name, path, p)
		}
	}
	return v
}

func TestComposesEveryResourceWithStableNames(t *testing.T) {
	rsp := run(t, newRequest(xrPayments, ""))
	if len(rsp.GetResults()) != 0 {
		t.Fatalf("unexpected results: %v", rsp.GetResults())
	}
	want := []string{NameApplication, NameLimitRange, NameNamespace, NameNetworkPolicyGW,
		NameNetworkPolicyDeny, NameNetworkPolicySameNS, NameResourceQuota, NameRoleBindingTeamEdit}
	got := []string{}
	for name := range rsp.GetDesired().GetResources() {
		got = append(got, name)
	}
	if diff := cmp.Diff(want, got, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("composed resource names (-want +got):\n%s", diff)
	}
	ns := "team-payments-payments-api-staging"
	for name := range rsp.GetDesired().GetResources() {
		labels := field(t, rsp, name, "metadata", "labels").(map[string]any)
		for k, v := range map[string]string{
			"backstage.io/kubernetes-id": "payments-api", "idp.acme.example/team": "team-payments",
			"idp.acme.example/system": "payments", "idp.acme.example/component": "payments-api",
			"idp.acme.example/environment": "staging",
		} {
			if labels[k] != v {
				t.Errorf("%s: label %s = %v, want %s", name, k, labels[k], v)
			}
		}
		if name != NameNamespace && name != NameApplication {
			if got := field(t, rsp, name, "metadata", "namespace"); got != ns {
				t.Errorf("%s: namespace %v, want %s", name, got, ns)
			}
		}
		if _, ok := field(t, rsp, name, "metadata").(map[string]any)["creationTimestamp"]; ok {
			t.Errorf("%s: carries metadata.creationTimestamp", name)
		}
	}
	if got := field(t, rsp, NameNamespace, "metadata", "name"); got != ns {
		t.Errorf("namespace name %v, want %s", got, ns)
	}
	if _, ok := field(t, rsp, NameNamespace).(map[string]any)["spec"]; ok {
		t.Error("the Namespace carries an empty spec")
	}
}

func TestSetsXRStatus(t *testing.T) {
	rsp := run(t, newRequest(xrPayments, ""))
	want := &fnv1.Resource{Resource: resource.MustStructJSON(`{
		"apiVersion": "idp.acme.example/v1alpha1", "kind": "ApplicationEnvironment",
		"status": {"namespace": "team-payments-payments-api-staging", "argocdApplication": "payments-api-staging"}
	}`)}
	if diff := cmp.Diff(want, rsp.GetDesired().GetComposite(), protocmp.Transform()); diff != "" {
		t.Errorf("desired XR (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(&fnv1.ResponseMeta{Tag: "t", Ttl: durationpb.New(response.DefaultTTL)},
		rsp.GetMeta(), protocmp.Transform()); diff != "" {
		t.Errorf("meta (-want +got):\n%s", diff)
	}
}

func TestSizePresets(t *testing.T) {
	for size, want := range map[string]map[string]any{
		"small":  {"requests.cpu": "2", "requests.memory": "4Gi", "limits.cpu": "4", "limits.memory": "8Gi", "pods": "20", "persistentvolumeclaims": "5"},
		"medium": {"requests.cpu": "4", "requests.memory": "8Gi", "limits.cpu": "8", "limits.memory": "16Gi", "pods": "40", "persistentvolumeclaims": "10"},
		"large":  {"requests.cpu": "8", "requests.memory": "16Gi", "limits.cpu": "16", "limits.memory": "32Gi", "pods": "80", "persistentvolumeclaims": "20"},
	} {
		t.Run(size, func(t *testing.T) {
			spec := Spec{Team: "t", System: "s", Component: "c", Environment: "development", Size: size}
			spec.Repository.URL = "https://example/r.git"
			objs, err := Compose(spec, (&input.ApplicationEnvironmentInput{}).WithDefaults())
			if err != nil {
				t.Fatal(err)
			}
			hard, _ := objs[NameResourceQuota].GetStringObject("spec.hard")
			want["services.loadbalancers"] = "0"
			want["services.nodeports"] = "0"
			got := map[string]any{}
			for k, v := range hard {
				got[k] = v
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("quota (-want +got):\n%s", diff)
			}
			if l, _ := objs[NameResourceQuota].GetString(`metadata.labels[idp.acme.example/size]`); l != size {
				t.Errorf("size label %q", l)
			}
			maxCPU, _ := objs[NameLimitRange].GetString("spec.limits[0].max.cpu")
			if maxCPU != Presets[size].MaxCPU {
				t.Errorf("limit range max cpu %q, want %q", maxCPU, Presets[size].MaxCPU)
			}
		})
	}
}

func TestDefaultsAndOverrides(t *testing.T) {
	// Defaults: size small, path ".", revision = environment, port 8080, gateway-system.
	rsp := run(t, newRequest(`{"apiVersion":"idp.acme.example/v1alpha1","kind":"ApplicationEnvironment",
		"metadata":{"name":"x"},"spec":{"team":"team-a","system":"s","component":"web","environment":"production",
		"repository":{"url":"https://git/r.git"}}}`, ""))
	if got := field(t, rsp, NameResourceQuota, "metadata", "labels", "idp.acme.example/size"); got != "small" {
		t.Errorf("default size %v", got)
	}
	src := field(t, rsp, NameApplication, "spec", "source").(map[string]any)
	if src["path"] != "." || src["targetRevision"] != "production" {
		t.Errorf("source defaults: %v", src)
	}
	wantGW := []any{map[string]any{
		"from":  []any{map[string]any{"namespaceSelector": map[string]any{"matchLabels": map[string]any{"kubernetes.io/metadata.name": "gateway-system"}}}},
		"ports": []any{map[string]any{"protocol": "TCP", "port": float64(8080)}},
	}}
	if diff := cmp.Diff(wantGW, field(t, rsp, NameNetworkPolicyGW, "spec", "ingress")); diff != "" {
		t.Errorf("gateway policy (-want +got):\n%s", diff)
	}
	// The same-namespace peer must keep its empty podSelector ("every pod of this namespace").
	wantSame := []any{map[string]any{"from": []any{map[string]any{"podSelector": map[string]any{}}}}}
	if diff := cmp.Diff(wantSame, field(t, rsp, NameNetworkPolicySameNS, "spec", "ingress")); diff != "" {
		t.Errorf("same-namespace policy (-want +got):\n%s", diff)
	}

	// Overrides from the spec and from the function's input.
	rsp = run(t, newRequest(`{"apiVersion":"idp.acme.example/v1alpha1","kind":"ApplicationEnvironment",
		"metadata":{"name":"x"},"spec":{"team":"team-a","system":"s","component":"web","environment":"production",
		"targetNamespace":"team-a-web","repository":{"url":"https://git/r.git","path":"charts/web","revision":"release"},
		"exposure":{"mode":"public","hostname":"h","port":3000}}}`,
		`{"apiVersion":"applicationenvironment.fn.idp.acme.example/v1beta1","kind":"ApplicationEnvironmentInput",
		"gatewayNamespace":"ingress","inClusterServer":"https://other"}`))
	if got := field(t, rsp, NameNamespace, "metadata", "name"); got != "team-a-web" {
		t.Errorf("targetNamespace ignored: %v", got)
	}
	src = field(t, rsp, NameApplication, "spec", "source").(map[string]any)
	if src["path"] != "charts/web" || src["targetRevision"] != "release" {
		t.Errorf("source overrides: %v", src)
	}
	if got := field(t, rsp, NameApplication, "spec", "destination"); !cmp.Equal(got, map[string]any{"server": "https://other", "namespace": "team-a-web"}) {
		t.Errorf("destination %v", got)
	}
	wantGW[0].(map[string]any)["from"] = []any{map[string]any{"namespaceSelector": map[string]any{"matchLabels": map[string]any{"kubernetes.io/metadata.name": "ingress"}}}}
	wantGW[0].(map[string]any)["ports"] = []any{map[string]any{"protocol": "TCP", "port": float64(3000)}}
	if diff := cmp.Diff(wantGW, field(t, rsp, NameNetworkPolicyGW, "spec", "ingress")); diff != "" {
		t.Errorf("gateway policy with overrides (-want +got):\n%s", diff)
	}
}

func TestKeepsEarlierStepsResources(t *testing.T) {
	req := newRequest(xrPayments, "")
	req.Desired = &fnv1.State{Resources: map[string]*fnv1.Resource{
		"extra": {Resource: resource.MustStructJSON(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}`)},
	}}
	rsp := run(t, req)
	if _, ok := rsp.GetDesired().GetResources()["extra"]; !ok {
		t.Error("dropped a resource an earlier step desired")
	}
	if n := len(rsp.GetDesired().GetResources()); n != 9 {
		t.Errorf("%d desired resources, want 9", n)
	}
}

func TestRejectsInvalidSpecs(t *testing.T) {
	for name, xr := range map[string]string{
		"missing team": `{"apiVersion":"idp.acme.example/v1alpha1","kind":"ApplicationEnvironment","metadata":{"name":"x"},
			"spec":{"system":"s","component":"c","environment":"staging","repository":{"url":"u"}}}`,
		"missing repository": `{"apiVersion":"idp.acme.example/v1alpha1","kind":"ApplicationEnvironment","metadata":{"name":"x"},
			"spec":{"team":"t","system":"s","component":"c","environment":"staging"}}`,
		"unknown size": `{"apiVersion":"idp.acme.example/v1alpha1","kind":"ApplicationEnvironment","metadata":{"name":"x"},
			"spec":{"team":"t","system":"s","component":"c","environment":"staging","size":"huge","repository":{"url":"u"}}}`,
	} {
		t.Run(name, func(t *testing.T) {
			rsp := run(t, newRequest(xr, ""))
			results := rsp.GetResults()
			if len(results) != 1 || results[0].GetSeverity() != fnv1.Severity_SEVERITY_FATAL {
				t.Fatalf("want one fatal result, got %v", results)
			}
			if len(rsp.GetDesired().GetResources()) != 0 {
				t.Error("composed resources despite a fatal result")
			}
		})
	}
}

// An environment of team-payments in its own targetNamespace, as Crossplane sees it (with a UID).
const xrPaymentsTargeted = `{
  "apiVersion": "idp.acme.example/v1alpha1",
  "kind": "ApplicationEnvironment",
  "metadata": {"name": "payments-api-staging", "uid": "6f1c2a3e-0b7d-4a59-9d0e-2b8f4c1a7e11"},
  "spec": {
    "team": "team-payments", "system": "payments", "component": "payments-api",
    "environment": "staging", "targetNamespace": "team-payments-api",
    "repository": {"url": "https://gitlab.acme.example/idp/team-payments/payments-api-deploy.git"}
  }
}`

const inputAppsDomain = `{"apiVersion":"applicationenvironment.fn.idp.acme.example/v1beta1",
	"kind":"ApplicationEnvironmentInput","allowedHostnameSuffixes":["apps.acme.example"]}`

// withNamespace answers the namespace requirement with an existing namespace.
func withNamespace(req *fnv1.RunFunctionRequest, namespace string) *fnv1.RunFunctionRequest {
	req.RequiredResources = map[string]*fnv1.Resources{RequirementTargetNamespace: {
		Items: []*fnv1.Resource{{Resource: resource.MustStructJSON(namespace)}},
	}}
	return req
}

// withObservedNamespace adds the XR's observed composed namespace (Crossplane's resourceRefs).
func withObservedNamespace(req *fnv1.RunFunctionRequest, name string) *fnv1.RunFunctionRequest {
	req.Observed.Resources = map[string]*fnv1.Resource{NameNamespace: {Resource: resource.MustStructJSON(
		`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"` + name + `"}}`)}}
	return req
}

// wantComposed fails unless the response composes all eight resources without results.
func wantComposed(t *testing.T, rsp *fnv1.RunFunctionResponse) {
	t.Helper()
	if len(rsp.GetResults()) != 0 {
		t.Fatalf("unexpected results: %v", rsp.GetResults())
	}
	if n := len(rsp.GetDesired().GetResources()); n != 8 {
		t.Fatalf("%d desired composed resources, want 8", n)
	}
}

// wantRefused fails unless the response is one fatal result containing every fragment, with no
// composed resources; it returns the message.
func wantRefused(t *testing.T, rsp *fnv1.RunFunctionResponse, fragments ...string) string {
	t.Helper()
	results := rsp.GetResults()
	if len(results) != 1 || results[0].GetSeverity() != fnv1.Severity_SEVERITY_FATAL {
		t.Fatalf("want one fatal result, got %v", results)
	}
	msg := results[0].GetMessage()
	for _, f := range fragments {
		if !strings.Contains(msg, f) {
			t.Errorf("message %q does not contain %q", msg, f)
		}
	}
	if len(rsp.GetDesired().GetResources()) != 0 {
		t.Error("composed resources despite a fatal result")
	}
	return msg
}

func TestAsksForTheTargetNamespaceBeforeComposingANewXR(t *testing.T) {
	for xr, ns := range map[string]string{
		xrPayments:         "team-payments-payments-api-staging",
		xrPaymentsTargeted: "team-payments-api",
	} {
		rsp := run(t, firstCall(xr, ""))
		want := &fnv1.Requirements{Resources: map[string]*fnv1.ResourceSelector{
			RequirementTargetNamespace: {ApiVersion: "v1", Kind: "Namespace", Match: &fnv1.ResourceSelector_MatchName{MatchName: ns}},
		}}
		if diff := cmp.Diff(want, rsp.GetRequirements(), protocmp.Transform()); diff != "" {
			t.Errorf("requirements (-want +got):\n%s", diff)
		}
		if len(rsp.GetResults()) != 0 || len(rsp.GetDesired().GetResources()) != 0 || rsp.GetDesired().GetComposite() != nil {
			t.Errorf("a new XR's first call composed or reported something: %v", rsp)
		}
		// The requirements must not change once answered, or Crossplane's loop never settles.
		again := run(t, newRequest(xr, ""))
		if diff := cmp.Diff(rsp.GetRequirements(), again.GetRequirements(), protocmp.Transform()); diff != "" {
			t.Errorf("requirements changed on the second call (-first +second):\n%s", diff)
		}
		wantComposed(t, again)
	}
}

func TestFirstCallOfAnExistingXRKeepsItsComposedResources(t *testing.T) {
	// Never an empty desired state for an XR that has composed resources: were this response
	// applied, Crossplane would delete them.
	req := withObservedNamespace(firstCall(xrPaymentsTargeted, ""), "team-payments-api")
	rsp := run(t, req)
	wantComposed(t, rsp)
	if rsp.GetRequirements().GetResources()[RequirementTargetNamespace].GetMatchName() != "team-payments-api" {
		t.Errorf("requirements %v", rsp.GetRequirements())
	}
	if got := field(t, rsp, NameNamespace, "metadata", "name"); got != "team-payments-api" {
		t.Errorf("namespace %v", got)
	}
}

func TestAnExistingXRWhoseNamespaceIsGoneComposesTheNamespaceFirst(t *testing.T) {
	// Deleted under the XR: what lives in the namespace waits for the reconcile after it exists
	// (Crossplane would fail this one on the first of them and back off).
	rsp := run(t, withObservedNamespace(newRequest(xrPaymentsTargeted, ""), "team-payments-api"))
	got := rsp.GetDesired().GetResources()
	for _, name := range []string{NameNamespace, NameApplication} {
		if _, ok := got[name]; !ok {
			t.Errorf("%s not composed", name)
		}
	}
	for _, name := range []string{NameResourceQuota, NameLimitRange, NameNetworkPolicyDeny,
		NameNetworkPolicySameNS, NameNetworkPolicyGW, NameRoleBindingTeamEdit} {
		if _, ok := got[name]; ok {
			t.Errorf("%s composed before its namespace exists", name)
		}
	}
	// Still terminating: the same.
	terminating := withNamespace(newRequest(xrPaymentsTargeted, ""), `{"apiVersion":"v1","kind":"Namespace",`+
		`"metadata":{"name":"team-payments-api","deletionTimestamp":"2026-12-03T10:00:00Z"}}`)
	if _, ok := run(t, withObservedNamespace(terminating, "team-payments-api")).GetDesired().GetResources()[NameResourceQuota]; ok {
		t.Error("the quota composed into a terminating namespace")
	}
	// Once it exists again, everything: "composed by this XR (its observed composed namespace)"
	// in TestTargetNamespaceThatAlreadyExists.
}

func TestTargetNamespaceThatAlreadyExists(t *testing.T) {
	const uid = "6f1c2a3e-0b7d-4a59-9d0e-2b8f4c1a7e11"
	ns := func(metadata string) string {
		return `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team-payments-api"` + metadata + `}}`
	}
	controlledBy := func(kind, name, uid string) string {
		return `,"ownerReferences":[{"apiVersion":"idp.acme.example/v1alpha1","kind":"` + kind + `","name":"` + name +
			`","uid":"` + uid + `","controller":true,"blockOwnerDeletion":true}]`
	}
	t.Run("absent: composes it", func(t *testing.T) {
		wantComposed(t, run(t, newRequest(xrPaymentsTargeted, "")))
	})
	t.Run("composed by this XR (controller UID): accepted", func(t *testing.T) {
		req := withNamespace(newRequest(xrPaymentsTargeted, ""), ns(`,"labels":{"idp.acme.example/team":"team-payments"}`+
			controlledBy("ApplicationEnvironment", "payments-api-staging", uid)))
		wantComposed(t, run(t, req))
	})
	t.Run("composed by this XR (its observed composed namespace): accepted", func(t *testing.T) {
		req := withObservedNamespace(withNamespace(newRequest(xrPaymentsTargeted, ""), ns("")), "team-payments-api")
		wantComposed(t, run(t, req))
	})
	t.Run("labelled with the same team, no controller: adopted", func(t *testing.T) {
		req := withNamespace(newRequest(xrPaymentsTargeted, ""), ns(`,"labels":{"idp.acme.example/team":"team-payments"}`))
		wantComposed(t, run(t, req))
	})
	t.Run("labelled with another team: refused", func(t *testing.T) {
		req := withNamespace(newRequest(xrPaymentsTargeted, ""), ns(`,"labels":{"idp.acme.example/team":"team-storefront"}`))
		wantRefused(t, run(t, req), `namespace "team-payments-api" already exists and belongs to team "team-storefront"`,
			`not to team "team-payments"`)
	})
	t.Run("without labels: refused", func(t *testing.T) {
		req := withNamespace(newRequest(xrPaymentsTargeted, ""), ns(`,"labels":{"kubernetes.io/metadata.name":"team-payments-api"}`))
		wantRefused(t, run(t, req), `namespace "team-payments-api" already exists and does not belong to team "team-payments"`,
			"idp.acme.example/team=team-payments")
	})
	t.Run("default (had the XRD's rules been bypassed): refused", func(t *testing.T) {
		xr := strings.Replace(xrPaymentsTargeted, `"targetNamespace": "team-payments-api"`, `"targetNamespace": "default"`, 1)
		req := withNamespace(newRequest(xr, ""), `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"default",
			"labels":{"kubernetes.io/metadata.name":"default"}}}`)
		wantRefused(t, run(t, req), `namespace "default" already exists and does not belong to team "team-payments"`)
	})
	t.Run("the team's label but controlled by another ApplicationEnvironment: refused", func(t *testing.T) {
		req := withNamespace(newRequest(xrPaymentsTargeted, ""), ns(`,"labels":{"idp.acme.example/team":"team-payments"}`+
			controlledBy("ApplicationEnvironment", "payments-api-production", "0d6e9f7a-5c1b-4e0a-8f3d-9a2b7c6e5d44")))
		wantRefused(t, run(t, req), `namespace "team-payments-api" already exists and is controlled by ApplicationEnvironment "payments-api-production"`)
	})
	t.Run("an existing XR whose namespace became another team's: refused, nothing composed", func(t *testing.T) {
		// A fatal result stops Crossplane before it applies or deletes anything.
		// Its targetNamespace was changed to a namespace of team-storefront's; its observed
		// composed namespace is the old one.
		req := withNamespace(newRequest(xrPaymentsTargeted, ""), ns(`,"labels":{"idp.acme.example/team":"team-storefront"}`))
		wantRefused(t, run(t, withObservedNamespace(req, "team-payments-old")), `belongs to team "team-storefront"`)
	})
}

func TestAllowedHostnameSuffixes(t *testing.T) {
	xr := func(hostname string) string {
		return `{"apiVersion":"idp.acme.example/v1alpha1","kind":"ApplicationEnvironment","metadata":{"name":"refunds-production"},
			"spec":{"team":"team-payments","system":"payments","component":"refunds","environment":"production",
			"repository":{"url":"https://git/r.git"},"exposure":{"mode":"public","hostname":"` + hostname + `","port":8080}}}`
	}
	withSuffixes := func(suffixes string) string {
		return `{"apiVersion":"applicationenvironment.fn.idp.acme.example/v1beta1","kind":"ApplicationEnvironmentInput",
			"allowedHostnameSuffixes":` + suffixes + `}`
	}
	for name, tc := range map[string]struct{ hostname, input string }{
		"inside the domain":                {"refunds.apps.acme.example", inputAppsDomain},
		"deeper inside the domain":         {"eu.refunds.apps.acme.example", inputAppsDomain},
		"in the second of two domains":     {"refunds.shop.example", withSuffixes(`["apps.acme.example","shop.example"]`)},
		"suffix written *.Domain.":         {"refunds.apps.acme.example", withSuffixes(`["*.Apps.Acme.Example."]`)},
		"no suffixes: any DNS name":        {"refunds.example.org", ""},
		"empty suffix list: any DNS name":  {"refunds.example.org", withSuffixes(`[]`)},
		"no hostname (internal), suffixes": {"", inputAppsDomain},
	} {
		t.Run("accepts "+name, func(t *testing.T) {
			x := xr(tc.hostname)
			if tc.hostname == "" {
				x = strings.Replace(x, `"mode":"public","hostname":"","port":8080`, `"mode":"internal"`, 1)
			}
			wantComposed(t, run(t, newRequest(x, tc.input)))
		})
	}
	for name, hostname := range map[string]string{
		"another domain":              "shop.acme.example",
		"the domain itself":           "apps.acme.example",
		"a look-alike label":          "refunds.evilapps.acme.example",
		"the domain inside another":   "refunds.apps.acme.example.attacker.example",
		"the metadata service by DNS": "metadata.google.internal",
	} {
		t.Run("refuses "+name, func(t *testing.T) {
			wantRefused(t, run(t, newRequest(xr(hostname), inputAppsDomain)),
				`spec.exposure.hostname "`+hostname+`" is not in a domain the platform serves (apps.acme.example)`,
				"such as refunds.apps.acme.example")
		})
	}
	t.Run("refuses on the first call, before asking for the namespace", func(t *testing.T) {
		wantRefused(t, run(t, firstCall(xr("shop.acme.example"), inputAppsDomain)), "is not in a domain the platform serves")
	})
	t.Run("refuses an input suffix that is not a domain", func(t *testing.T) {
		for _, bad := range []string{`[""]`, `["apps.acme.example",""]`, `["*"]`, `["apps_acme.example"]`} {
			wantRefused(t, run(t, newRequest(xr("refunds.apps.acme.example"), withSuffixes(bad))),
				"invalid function input: allowedHostnameSuffixes[")
		}
	})
}

func TestReadinessFromWhatTheClusterReports(t *testing.T) {
	observe := func(name string, obj string) map[resource.Name]resource.ObservedComposed {
		u := &composed.Unstructured{}
		if err := u.UnmarshalJSON([]byte(obj)); err != nil {
			t.Fatal(err)
		}
		return map[resource.Name]resource.ObservedComposed{resource.Name(name): {Resource: u}}
	}
	cases := []struct {
		what     string
		name     string
		observed map[resource.Name]resource.ObservedComposed
		want     resource.Ready
	}{
		{"not created yet", NameResourceQuota, nil, resource.ReadyFalse},
		{"a guardrail that exists", NameResourceQuota,
			observe(NameResourceQuota, `{"apiVersion":"v1","kind":"ResourceQuota","metadata":{"name":"team-quota"}}`), resource.ReadyTrue},
		{"an Active namespace", NameNamespace,
			observe(NameNamespace, `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"x"},"status":{"phase":"Active"}}`), resource.ReadyTrue},
		{"a Terminating namespace", NameNamespace,
			observe(NameNamespace, `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"x"},"status":{"phase":"Terminating"}}`), resource.ReadyFalse},
		{"an Application Argo CD has not compared", NameApplication,
			observe(NameApplication, `{"apiVersion":"argoproj.io/v1alpha1","kind":"Application","metadata":{"name":"x"}}`), resource.ReadyFalse},
		{"an Application Argo CD cannot read (Unknown)", NameApplication,
			observe(NameApplication, `{"apiVersion":"argoproj.io/v1alpha1","kind":"Application","metadata":{"name":"x"},"status":{"sync":{"status":"Unknown"}}}`), resource.ReadyFalse},
		{"an Application compared, OutOfSync", NameApplication,
			observe(NameApplication, `{"apiVersion":"argoproj.io/v1alpha1","kind":"Application","metadata":{"name":"x"},"status":{"sync":{"status":"OutOfSync"}}}`), resource.ReadyTrue},
		{"an Application Synced", NameApplication,
			observe(NameApplication, `{"apiVersion":"argoproj.io/v1alpha1","kind":"Application","metadata":{"name":"x"},"status":{"sync":{"status":"Synced"}}}`), resource.ReadyTrue},
	}
	for _, c := range cases {
		if got := Readiness(c.name, c.observed); got != c.want {
			t.Errorf("%s: %s, want %s", c.what, got, c.want)
		}
	}
	// In the response: every composed resource says its readiness (here none is observed yet).
	rsp := run(t, newRequest(xrPayments, ""))
	for name, r := range rsp.GetDesired().GetResources() {
		if r.GetReady() != fnv1.Ready_READY_FALSE {
			t.Errorf("%s: ready %v before anything is observed", name, r.GetReady())
		}
	}
}

// A preview of a merge request of payments-api, as the portal writes it (examples/payments-api-preview.yaml).
const xrPaymentsPreview = `{
  "apiVersion": "idp.acme.example/v1alpha1",
  "kind": "ApplicationEnvironment",
  "metadata": {"name": "payments-api-preview-mr-42"},
  "spec": {
    "team": "team-payments", "system": "payments", "component": "payments-api",
    "environment": "development",
    "repository": {"url": "https://gitlab.acme.example/idp/team-payments/payments-api-deploy.git"},
    "preview": {
      "name": "mr-42", "branch": "feature/refund-limits", "mergeRequest": 42,
      "expiresAt": "2027-01-15T18:00:00Z",
      "image": {"repository": "registry.acme.example/idp/team-payments/payments-api", "tag": "mr-42-3f2c1a9"}
    }
  }
}`

func TestPreviewNamesAndLabels(t *testing.T) {
	rsp := run(t, newRequest(xrPaymentsPreview, ""))
	wantComposed(t, rsp)
	// preview-<name>, never the development environment's names: the two live side by side.
	ns := "team-payments-payments-api-preview-mr-42"
	if got := field(t, rsp, NameNamespace, "metadata", "name"); got != ns {
		t.Errorf("namespace %v, want %s", got, ns)
	}
	if got := field(t, rsp, NameApplication, "metadata", "name"); got != "payments-api-preview-mr-42" {
		t.Errorf("application %v", got)
	}
	if got := field(t, rsp, NameApplication, "spec", "destination", "namespace"); got != ns {
		t.Errorf("destination namespace %v", got)
	}
	if got := rsp.GetDesired().GetComposite().GetResource().AsMap()["status"]; !cmp.Equal(got, map[string]any{
		"namespace": ns, "argocdApplication": "payments-api-preview-mr-42",
	}) {
		t.Errorf("XR status %v", got)
	}
	if got := rsp.GetRequirements().GetResources()[RequirementTargetNamespace].GetMatchName(); got != ns {
		t.Errorf("asks for namespace %q, want %s", got, ns)
	}
	for name := range rsp.GetDesired().GetResources() {
		labels := field(t, rsp, name, "metadata", "labels").(map[string]any)
		if labels[LabelPreview] != "mr-42" || labels["idp.acme.example/environment"] != "development" ||
			labels["backstage.io/kubernetes-id"] != "payments-api" {
			t.Errorf("%s: labels %v", name, labels)
		}
		if name != NameNamespace && name != NameApplication {
			if got := field(t, rsp, name, "metadata", "namespace"); got != ns {
				t.Errorf("%s: namespace %v, want %s", name, got, ns)
			}
		}
	}

	// targetNamespace still wins; the Application keeps its preview name.
	targeted := strings.Replace(xrPaymentsPreview, `"environment": "development",`,
		`"environment": "development", "targetNamespace": "team-payments-mr-42",`, 1)
	rsp = run(t, newRequest(targeted, ""))
	wantComposed(t, rsp)
	if got := field(t, rsp, NameNamespace, "metadata", "name"); got != "team-payments-mr-42" {
		t.Errorf("targetNamespace ignored: %v", got)
	}
	if got := field(t, rsp, NameApplication, "metadata", "name"); got != "payments-api-preview-mr-42" {
		t.Errorf("application %v", got)
	}
}

func TestPreviewDeploysLikeDevelopmentWithHelmParameters(t *testing.T) {
	source := func(xr string) map[string]any {
		t.Helper()
		rsp := run(t, newRequest(xr, ""))
		wantComposed(t, rsp)
		return field(t, rsp, NameApplication, "spec", "source").(map[string]any)
	}
	wantSource := func(params []any) map[string]any {
		helm := map[string]any{"valueFiles": []any{"values.yaml", "environments/development.yaml"}}
		if params != nil {
			helm["parameters"] = params
		}
		return map[string]any{
			"repoURL": "https://gitlab.acme.example/idp/team-payments/payments-api-deploy.git",
			"path":    ".", "targetRevision": "development", "helm": helm,
		}
	}
	internal := map[string]any{"name": "exposure.mode", "value": "internal"}

	t.Run("with the branch's image", func(t *testing.T) {
		want := wantSource([]any{internal,
			map[string]any{"name": "image.repository", "value": "registry.acme.example/idp/team-payments/payments-api"},
			map[string]any{"name": "image.tag", "value": "mr-42-3f2c1a9", "forceString": true},
		})
		if diff := cmp.Diff(want, source(xrPaymentsPreview)); diff != "" {
			t.Errorf("source (-want +got):\n%s", diff)
		}
	})
	t.Run("before its pipeline built an image: internal only", func(t *testing.T) {
		xr := strings.Replace(xrPaymentsPreview, `,
      "image": {"repository": "registry.acme.example/idp/team-payments/payments-api", "tag": "mr-42-3f2c1a9"}`, "", 1)
		if diff := cmp.Diff(wantSource([]any{internal}), source(xr)); diff != "" {
			t.Errorf("source (-want +got):\n%s", diff)
		}
	})
	t.Run("a numeric tag stays a string", func(t *testing.T) {
		xr := strings.Replace(xrPaymentsPreview, `"tag": "mr-42-3f2c1a9"`, `"tag": "20270114"`, 1)
		params := source(xr)["helm"].(map[string]any)["parameters"].([]any)
		if diff := cmp.Diff(map[string]any{"name": "image.tag", "value": "20270114", "forceString": true}, params[2]); diff != "" {
			t.Errorf("image.tag (-want +got):\n%s", diff)
		}
	})
	t.Run("public exposure in the spec: still internal", func(t *testing.T) {
		// Development's public hostname belongs to development; the preview only keeps its port.
		xr := strings.Replace(xrPaymentsPreview, `"environment": "development",`,
			`"environment": "development", "exposure": {"mode": "public", "hostname": "refunds.apps.acme.example", "port": 3000},`, 1)
		if diff := cmp.Diff(internal, source(xr)["helm"].(map[string]any)["parameters"].([]any)[0]); diff != "" {
			t.Errorf("exposure parameter (-want +got):\n%s", diff)
		}
	})
	t.Run("an environment has no parameters and no preview label", func(t *testing.T) {
		rsp := run(t, newRequest(strings.Replace(xrPayments, `"staging"`, `"development"`, 1), ""))
		wantComposed(t, rsp)
		if diff := cmp.Diff(map[string]any{"valueFiles": []any{"values.yaml", "environments/development.yaml"}},
			field(t, rsp, NameApplication, "spec", "source", "helm")); diff != "" {
			t.Errorf("helm (-want +got):\n%s", diff)
		}
		for name := range rsp.GetDesired().GetResources() {
			if _, ok := field(t, rsp, name, "metadata", "labels").(map[string]any)[LabelPreview]; ok {
				t.Errorf("%s: carries %s", name, LabelPreview)
			}
		}
	})
}

func TestRefusesInvalidPreviews(t *testing.T) {
	for name, tc := range map[string]struct{ old, new, message string }{
		"on staging": {`"environment": "development"`, `"environment": "staging"`,
			`preview environments are development environments: spec.environment is "staging", it must be development`},
		"on production": {`"environment": "development"`, `"environment": "production"`,
			`spec.environment is "production", it must be development`},
		"without a name":   {`"name": "mr-42", `, ``, "spec.preview.name is required"},
		"without a branch": {`"branch": "feature/refund-limits", `, ``, "spec.preview.branch is required"},
		"a name longer than 20 characters": {`"name": "mr-42"`, `"name": "` + strings.Repeat("a", 21) + `"`,
			"is not a DNS label of at most 20 characters"},
		"a name that is not a DNS label": {`"name": "mr-42"`, `"name": "MR_42"`, `spec.preview.name "MR_42" is not a DNS label`},
		"an image without a tag":         {`, "tag": "mr-42-3f2c1a9"`, ``, "spec.preview.image needs both repository and tag"},
	} {
		t.Run(name, func(t *testing.T) {
			xr := strings.Replace(xrPaymentsPreview, tc.old, tc.new, 1)
			if xr == xrPaymentsPreview {
				t.Fatalf("%q is not in the XR", tc.old)
			}
			// Refused before anything is asked for or composed: a preview on staging would run a
			// branch's image there.
			wantRefused(t, run(t, firstCall(xr, "")), "invalid ApplicationEnvironment: ", tc.message)
		})
	}
}
