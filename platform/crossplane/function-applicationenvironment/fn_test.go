package main

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
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

func newRequest(xr string, in string) *fnv1.RunFunctionRequest {
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
