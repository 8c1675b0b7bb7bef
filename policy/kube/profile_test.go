package kube

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy/internal/resource"
)

func TestConvertNamespace(t *testing.T) {
	tests := []struct {
		name string
		ns   string
		want model.Namespace
	}{{
		name: "labels plus the name label",
		ns:   `{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "prod", "labels": {"team": "a"}}}`,
		want: model.Namespace{Name: "prod", Labels: map[string]string{"team": "a", "kubernetes.io/metadata.name": "prod"}},
	}, {
		name: "no labels",
		ns:   `{"metadata": {"name": "dev"}}`,
		want: model.Namespace{Name: "dev", Labels: map[string]string{"kubernetes.io/metadata.name": "dev"}},
	}, {
		name: "the API server overrides a different name label",
		ns:   `{"metadata": {"name": "dev", "labels": {"kubernetes.io/metadata.name": "prod"}}}`,
		want: model.Namespace{Name: "dev", Labels: map[string]string{"kubernetes.io/metadata.name": "dev"}},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var n Namespace
			kubeDecodeLoose(t, tc.ns, &n)
			if diff := cmp.Diff(tc.want, ConvertNamespace(&n), kubeCmp); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if ps := n.Validate(); len(ps) > 0 {
				t.Errorf("unexpected problems:\n%s", kubeProblemList(ps))
			}
		})
	}
}

func TestConvertNamespaceKeepsInput(t *testing.T) {
	n := Namespace{Metadata: ObjectMeta{Name: "prod", Labels: map[string]string{"team": "a"}}}
	ConvertNamespace(&n)
	if len(n.Metadata.Labels) != 1 {
		t.Errorf("input labels changed: %v", n.Metadata.Labels)
	}
}

func TestValidateNamespaceAndServiceAccount(t *testing.T) {
	ns := Namespace{Metadata: ObjectMeta{Name: "a.b", Labels: map[string]string{"x/": "y"}}}
	kubeCheckProblems(t, ns.Validate(), []kubeWant{
		{resource.SeverityError, "metadata.name", "RFC 1123 label"},
		{resource.SeverityError, "metadata.labels", `key "x/": name part must not be empty`},
	})
	sa := ServiceAccount{Metadata: ObjectMeta{Namespace: "prod"}}
	ps := sa.Validate()
	kubeCheckProblems(t, ps, []kubeWant{{resource.SeverityError, "metadata.name", "is required"}})
	if ps[0].Kind != "ServiceAccount" || ps[0].Namespace != "prod" {
		t.Errorf("problem %q does not name the object", ps[0].String())
	}
}

func TestConvertServiceAccount(t *testing.T) {
	var s ServiceAccount
	kubeDecodeLoose(t, `{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "web", "labels": {"role": "frontend"}}}`, &s)
	want := model.ServiceAccount{Name: "web", Namespace: "default", Labels: map[string]string{"role": "frontend"}}
	if diff := cmp.Diff(want, ConvertServiceAccount(&s), kubeCmp); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestNamespaceProfile(t *testing.T) {
	got := NamespaceProfile(model.Namespace{Name: "prod", Labels: map[string]string{"team": "a", "kubernetes.io/metadata.name": "prod"}})
	want := model.Profile{
		Name:    "kns.prod",
		Ingress: []model.Rule{{Action: model.Allow}},
		Egress:  []model.Rule{{Action: model.Allow}},
		LabelsToApply: map[string]string{
			"pcns.team":                        "a",
			"pcns.kubernetes.io/metadata.name": "prod",
			"pcns.projectcalico.org/name":      "prod",
		},
	}
	if diff := cmp.Diff(want, got, kubeCmp); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestServiceAccountProfile(t *testing.T) {
	tests := []struct {
		sa   model.ServiceAccount
		want model.Profile
	}{{
		sa: model.ServiceAccount{Name: "web", Namespace: "prod", Labels: map[string]string{"role": "frontend"}},
		want: model.Profile{Name: "ksa.prod.web", LabelsToApply: map[string]string{
			"pcsa.role": "frontend", "pcsa.projectcalico.org/name": "web",
		}},
	}, {
		sa:   model.ServiceAccount{Name: "default"},
		want: model.Profile{Name: "ksa.default.default", LabelsToApply: map[string]string{"pcsa.projectcalico.org/name": "default"}},
	}}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, ServiceAccountProfile(tc.sa), kubeCmp); diff != "" {
			t.Errorf("%s: (-want +got):\n%s", tc.sa.Name, diff)
		}
	}
}
