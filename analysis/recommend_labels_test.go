package analysis

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"

	"github.com/verdictlabs/verdict/eval"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy"
	"github.com/verdictlabs/verdict/selector"
)

// A label value no selector can state (one holding both quote
// characters, one of 70 KiB) still gets a recommendation: its policy
// selects the group without naming the value, peers of that kind are
// named by address, and what is written loads back and admits what was
// observed and nothing else. Building selector text for such values made
// recommend panic.
func TestRecommendUnstatableLabels(t *testing.T) {
	odd, long := `it's "odd"`, strings.Repeat("x", 70<<10)
	pod := func(name, app, addr string) model.Endpoint {
		return model.Endpoint{
			Kind: model.KindWorkloadEndpoint, Name: name, Namespace: "prod",
			Labels:    map[string]string{"app": app},
			Addresses: []netip.Addr{netip.MustParseAddr(addr)},
			Profiles:  []string{"kns.prod"},
		}
	}
	set := model.Set{
		Namespaces: []model.Namespace{{Name: "prod"}},
		Profiles:   []model.Profile{{Name: "kns.prod", Ingress: []model.Rule{{Action: model.Allow}}, Egress: []model.Rule{{Action: model.Allow}}}},
		Endpoints: []model.Endpoint{
			pod("odd", odd, "10.0.0.1"), pod("long", long, "10.0.0.2"),
			pod("web", "web", "10.0.0.3"), pod("other", "other", "10.0.0.4"),
		},
	}
	tcp := func(src, dst string, port uint16) model.Flow {
		return model.Flow{Src: netip.MustParseAddr(src), Dst: netip.MustParseAddr(dst), Protocol: model.ProtoTCP, SrcPort: 40000, DstPort: port}
	}
	observed := []model.Flow{
		tcp("10.0.0.1", "10.0.0.2", 80),   // odd -> long
		tcp("10.0.0.3", "10.0.0.1", 443),  // web -> odd
		tcp("10.0.0.2", "10.0.0.3", 8080), // long -> web
	}
	unobserved := []model.Flow{
		tcp("10.0.0.4", "10.0.0.1", 443), // other -> odd
		tcp("10.0.0.4", "10.0.0.2", 80),  // other -> long
		tcp("10.0.0.4", "10.0.0.3", 8080),
		tcp("10.0.0.1", "10.0.0.2", 81),
	}

	r, err := NewRecommender(set, RecommendOptions{Namespace: "prod", Enforce: true})
	if err != nil {
		t.Fatal(err)
	}
	obs := NewObserved()
	for _, f := range observed {
		rec := flowRecord(f)
		r.Add(obs, &rec)
	}
	var buf bytes.Buffer
	if err := policy.Encode(&buf, model.Set{Policies: r.Policies(obs)}, "yaml"); err != nil {
		t.Fatal(err)
	}
	loaded, err := policy.Decode(strings.NewReader("apiVersion: v1\nkind: Namespace\nmetadata: {name: prod}\n---\n" + buf.String()))
	if err != nil {
		t.Fatalf("the recommendation does not load: %v\n%.3000s", err, buf.String())
	}
	if len(loaded.Policies) != 4 {
		t.Fatalf("loaded %d policies, want one per group (4)", len(loaded.Policies))
	}

	s := set
	s.Policies = append(loaded.Policies, model.Policy{
		Kind: model.KindGlobalNetworkPolicy, Name: "default-deny", Tier: model.TierDefault,
		Selector: selector.All(), Types: []model.Direction{model.Ingress, model.Egress},
	})
	eng, err := eval.New(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range observed {
		if v := eng.Evaluate(f); !v.Allowed() {
			t.Errorf("observed flow %v is denied: %+v", f, v)
		}
	}
	for _, f := range unobserved {
		if v := eng.Evaluate(f); v.Allowed() {
			t.Errorf("flow %v, never observed, is allowed", f)
		}
	}
}

// LabelSelector states what Selector writes, as a tree; what it cannot
// state it leaves to has(key) and names.
func TestLabelSelector(t *testing.T) {
	tests := []struct {
		name     string
		g        Group
		want     string
		unstated []string
	}{
		{"none", Group{}, "all()", nil},
		{"one", Group{Labels: map[string]string{"app": "vote"}}, `app == "vote"`, nil},
		{"sorted, with missing", Group{Labels: map[string]string{"b": "it's", "a": `say "x"`}, Missing: []string{"tier"}}, `(a == 'say "x"' && b == "it's" && !has(tier))`, nil},
		{"both quotes", Group{Labels: map[string]string{"app": `it's "odd"`, "team": "a"}}, `(has(app) && team == "a")`, []string{"app"}},
		{"too long", Group{Labels: map[string]string{"app": strings.Repeat("v", maxStatedValue+1)}}, `has(app)`, []string{"app"}},
		{"longest stated", Group{Labels: map[string]string{"app": strings.Repeat("v", maxStatedValue)}}, `app == "` + strings.Repeat("v", maxStatedValue) + `"`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sel, unstated := tt.g.LabelSelector()
			if sel.String() != tt.want || strings.Join(unstated, ",") != strings.Join(tt.unstated, ",") {
				t.Errorf("got %q, unstated %q; want %q, unstated %q", sel.String(), unstated, tt.want, tt.unstated)
			}
			if tt.unstated == nil {
				if parsed := selector.MustParse(tt.g.Selector()).String(); parsed != sel.String() {
					t.Errorf("Selector() parses to %q, LabelSelector gives %q", parsed, sel.String())
				}
			}
		})
	}
}
