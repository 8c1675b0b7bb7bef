package policy

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/verdictlabs/verdict/model"
)

// Every seed's policy text loads, into a set the evaluators accept: what
// the loader accepts passes model.Set.Check.
func TestSeedsLoad(t *testing.T) {
	files, err := filepath.Glob("testdata/seeds/*")
	if err != nil || len(files) < 4 {
		t.Fatalf("seed files: %v %v", files, err)
	}
	for _, f := range files {
		res := loadFiles(t, f)
		if len(res.Set.Policies)+len(res.Set.Profiles) == 0 {
			t.Errorf("%s: no policy or profile", f)
		}
		if err := res.Set.Check(); err != nil {
			t.Errorf("%s: the loaded set fails Check:\n%v", f, err)
		}
	}
}

// Seed 000 writes in v3 what seed 001 writes in v1: the same model, and
// the v3 text's lower-case spelling gives warnings.
func TestSeedsV1AndV3Agree(t *testing.T) {
	v3 := loadFiles(t, "testdata/seeds/000-docker-labels-v3.yaml")
	v1 := loadFiles(t, "testdata/seeds/001-docker-labels-v1.yaml")
	if diff := cmp.Diff(v3.Set, v1.Set, modelCmp); diff != "" {
		t.Errorf("models differ (-v3 +v1):\n%s", diff)
	}
	if len(v3.Warnings) != 6 || len(v1.Warnings) != 0 {
		t.Errorf("warnings: %d for v3 (want 6), %d for v1 (want 0)", len(v3.Warnings), len(v1.Warnings))
	}
	want := model.Policy{
		Kind: model.KindGlobalNetworkPolicy, Name: "frontend", Tier: "default", Order: order(0),
		Selector: sel("role == 'frontend'"), Types: []model.Direction{model.Egress},
		Egress: []model.Rule{{Action: model.Allow, Protocol: tcp(), Destination: model.EntityRule{
			Selector: sel("role == 'database'"), Ports: []model.Port{{Min: 3306, Max: 3306}},
		}}},
	}
	if diff := cmp.Diff(want, v3.Set.Policies[1], modelCmp); diff != "" {
		t.Errorf("frontend policy (-want +got):\n%s", diff)
	}
}

func TestSeedAPPRules(t *testing.T) {
	res := loadFiles(t, "testdata/seeds/APP-rules.json")
	want := []model.Profile{{
		Name: "APP",
		Ingress: []model.Rule{
			{Action: model.Allow, Protocol: tcp(), Source: model.EntityRule{Selector: sel("has(APP_7890)")},
				Destination: model.EntityRule{Ports: []model.Port{{Min: 7890, Max: 7890}}}},
			{Action: model.Allow, Protocol: model.ProtocolNamed(model.ProtoICMP), ICMP: &model.ICMPMatch{Type: u8(8)}},
		},
		Egress: []model.Rule{{Action: model.Allow}},
	}}
	if diff := cmp.Diff(want, res.Set.Profiles, modelCmp); diff != "" {
		t.Errorf("profile (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int{"profile rules": 1}, res.Counts); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
}

func TestSeedVotePlatformTier(t *testing.T) {
	res := loadFiles(t, "testdata/seeds/004-vote-platform-tier.yaml")
	if res.Set.Tiers[0] != (model.Tier{Name: "platform", Order: res.Set.Tiers[0].Order, DefaultAction: model.Deny}) || *res.Set.Tiers[0].Order != 100 {
		t.Errorf("tier %+v", res.Set.Tiers[0])
	}
	want := []model.Policy{
		{
			Kind: model.KindStagedGlobalNetworkPolicy, Name: "default-deny", Tier: "default",
			NamespaceSelector: sel("kubernetes.io/metadata.name == 'vote'"),
			Types:             []model.Direction{model.Ingress, model.Egress},
			StagedAction:      model.StagedSet,
		},
		{
			Kind: model.KindNetworkPolicy, Name: "db", Namespace: "vote", Tier: "platform",
			Selector: sel("app == 'db'"), Types: []model.Direction{model.Ingress},
			Ingress: []model.Rule{{Action: model.Allow, Protocol: tcp(),
				Source:      model.EntityRule{Selector: sel("app == 'worker' || app == 'result'")},
				Destination: model.EntityRule{Ports: []model.Port{{Min: 5432, Max: 5432}}},
			}},
		},
	}
	if diff := cmp.Diff(want, res.Set.Policies, modelCmp); diff != "" {
		t.Errorf("policies (-want +got):\n%s", diff)
	}
	var profiles []string
	for _, p := range res.Set.Profiles {
		profiles = append(profiles, p.Name)
	}
	if diff := cmp.Diff([]string{"kns.vote", "kns.wordpress"}, profiles); diff != "" {
		t.Errorf("profiles (-want +got):\n%s", diff)
	}
	if got := res.Set.Namespaces[0].Labels["kubernetes.io/metadata.name"]; got != "vote" {
		t.Errorf("namespace vote lacks its name label: %v", res.Set.Namespaces[0].Labels)
	}
}
