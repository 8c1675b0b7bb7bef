package kube

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy/internal/resource"
)

func kubeSKNP(spec string) string {
	return `{"apiVersion": "projectcalico.org/v3", "kind": "StagedKubernetesNetworkPolicy",
		"metadata": {"name": "np", "namespace": "prod"}, "spec": ` + spec + `}`
}

func TestConvertStagedKubernetesNetworkPolicy(t *testing.T) {
	const rules = `"podSelector": {"matchLabels": {"app": "db"}},
		"ingress": [{"from": [{"podSelector": {}}], "ports": [{"port": 5432}, {"protocol": "UDP", "port": 53}]}]`
	converted := kubeWantNP(kubeOrch+" && app == 'db'", kubeIn, []model.Rule{
		{Action: model.Allow, Protocol: kubeTCP, Source: model.EntityRule{Selector: kubeSel(kubeOrch)}, Destination: model.EntityRule{Ports: kubePorts(5432)}},
		{Action: model.Allow, Protocol: kubeUDP, Source: model.EntityRule{Selector: kubeSel(kubeOrch)}, Destination: model.EntityRule{Ports: kubePorts(53)}},
	}, nil)
	converted.Kind = model.KindStagedKubernetesNetworkPolicy
	staged := func(a model.StagedAction) model.Policy {
		p := converted
		p.StagedAction = a
		return p
	}
	tests := []struct {
		name string
		spec string
		want model.Policy
	}{
		{"no staged action is Set", `{` + rules + `}`, staged(model.StagedSet)},
		{"Set", `{"stagedAction": "Set", ` + rules + `}`, staged(model.StagedSet)},
		{"Learn", `{"stagedAction": "Learn", ` + rules + `}`, staged(model.StagedLearn)},
		{"Ignore", `{"stagedAction": "Ignore", ` + rules + `}`, staged(model.StagedIgnore)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var s StagedKubernetesNetworkPolicy
			kubeDecode(t, kubeSKNP(tc.spec), &s)
			got, ok, problems := ConvertStagedKubernetesNetworkPolicy(&s)
			if !ok || len(problems) > 0 {
				t.Fatalf("ok = %v, problems:\n%s", ok, kubeProblemList(problems))
			}
			if diff := cmp.Diff(tc.want, got, kubeCmp); diff != "" {
				t.Errorf("policy differs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestConvertStagedKubernetesNetworkPolicyNothingStaged(t *testing.T) {
	tests := []struct {
		name string
		spec string
		want []kubeWant
	}{{
		name: "Delete with an empty spec",
		spec: `{"stagedAction": "Delete"}`,
	}, {
		name: "Delete with more than its action",
		spec: `{"stagedAction": "Delete", "podSelector": {"matchLabels": {"a": "b"}}, "ingress": [{}], "egress": [{}], "policyTypes": ["Ingress"]}`,
		want: []kubeWant{
			{resource.SeverityError, "spec.podSelector", "must be empty when stagedAction is Delete"},
			{resource.SeverityError, "spec.ingress", "must be empty when stagedAction is Delete"},
			{resource.SeverityError, "spec.egress", "must be empty when stagedAction is Delete"},
			{resource.SeverityError, "spec.policyTypes", "must be empty when stagedAction is Delete"},
		},
	}, {
		name: "unknown action",
		spec: `{"stagedAction": "delete"}`,
		want: []kubeWant{{resource.SeverityError, "spec.stagedAction", `"delete" is not a staged action`}},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var s StagedKubernetesNetworkPolicy
			kubeDecode(t, kubeSKNP(tc.spec), &s)
			_, ok, problems := ConvertStagedKubernetesNetworkPolicy(&s)
			if ok {
				t.Error("something was staged, want nothing")
			}
			kubeCheckProblems(t, problems, tc.want)
			for _, p := range problems {
				if p.Kind != "StagedKubernetesNetworkPolicy" || p.Namespace != "prod" || p.Name != "np" {
					t.Errorf("problem %q does not name the object", p.String())
				}
			}
		})
	}
}

func TestConvertStagedKubernetesNetworkPolicyValidates(t *testing.T) {
	var s StagedKubernetesNetworkPolicy
	kubeDecode(t, kubeSKNP(`{"ingress": [{"ports": [{"port": 0}]}]}`), &s)
	_, ok, problems := ConvertStagedKubernetesNetworkPolicy(&s)
	if !ok {
		t.Error("nothing staged")
	}
	kubeCheckProblems(t, problems, []kubeWant{{resource.SeverityError, "spec.ingress[0].ports[0].port", "0 is not a port number"}})
}
