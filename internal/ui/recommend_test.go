package ui

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/verdictlabs/verdict/analysis"
	"github.com/verdictlabs/verdict/analysis/flowlog"
	"github.com/verdictlabs/verdict/benchmarks/workload"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy"
	"github.com/verdictlabs/verdict/selector"
)

// TestRecommendLikeFullComputation: on a generated cluster of several
// namespaces and groups, the recommend page and its enforce answer what
// computing them in full from the files gives: the recommendation
// observed from every record, its impact replayed from every record
// against an engine built from the set with it staged, and enforcing it
// a matrix diff and replays from engines built from the set with it
// enforced. The page replays only the kept records a recommendation
// touches and reaches the enforced state from the staged one. A second
// recommendation replacing a staged policy of the input checks that
// enforcing puts it back as the input has it.
func TestRecommendLikeFullComputation(t *testing.T) {
	params := workload.LargeClusterParams(300)
	params.Flows = 3000
	c := workload.NewCluster(params)
	flows := writeFlows(t, c)
	s, err := New(Config{Result: &policy.Result{Set: c.Set}, Flows: []string{flows}, Format: flowlog.Verdict, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	type choice struct{ ns, group string }
	var choices []choice
	for _, ns := range s.namespaces() {
		groups := s.grouper.Groups(ns)
		if len(groups) < 2 {
			continue
		}
		for _, g := range groups[:min(2, len(groups))] {
			choices = append(choices, choice{ns, g.Name})
		}
		choices = append(choices, choice{ns, ""})
		if len(choices) >= 9 {
			break
		}
	}
	if len(choices) < 6 {
		t.Fatalf("the generated cluster has too few namespaces with groups: %v", choices)
	}
	for _, ch := range choices {
		checkRecommendation(t, s, flows, ch.ns, ch.group)
		checkEnforcedState(t, s, c.Flows, ch.ns, ch.group)
	}

	// Recommendations that replace a staged policy of the input (one of
	// the same name) while staged, which enforcing them puts back: at
	// least one such policy must judge some flow, or the check could not
	// tell it missing.
	have := map[model.Key]bool{}
	for _, p := range c.Set.Policies {
		have[p.Key()] = true
	}
	tells := false
	for _, ns := range s.namespaces() {
		rc, err := s.replayer.Recommender(s.set, analysis.RecommendOptions{Namespace: ns})
		if err != nil {
			continue
		}
		obs := analysis.NewObserved()
		s.kept.Observe(rc, obs, analysis.Options{})
		var replaced []model.Key
		for _, p := range rc.Policies(obs) {
			if have[p.Key()] {
				replaced = append(replaced, p.Key())
			}
		}
		if len(replaced) == 0 {
			continue
		}
		checkRecommendation(t, s, flows, ns, "")
		checkEnforcedState(t, s, c.Flows, ns, "")
		without, err := s.snap.Apply(model.Change{Deletes: replaced})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range c.Flows {
			if !reflect.DeepEqual(without.Evaluate(f), s.snap.Evaluate(f)) {
				tells = true
				break
			}
		}
	}
	if !tells {
		t.Fatal("no recommendation replaces a staged policy of the generated cluster that judges a flow")
	}
}

// checkEnforcedState checks that the compiled state enforcing a
// recommendation reaches from the staged one judges every flow as the
// loaded set's with the recommendation enforced applied to it does.
func checkEnforcedState(t *testing.T, s *Server, flows []model.Flow, ns, group string) {
	t.Helper()
	q := url.Values{"namespace": {ns}}
	if group != "" {
		q.Set("group", group)
	}
	rec, err := s.recommendFor(httptest.NewRequest("GET", "/api/recommend?"+q.Encode(), nil))
	if err != nil {
		t.Fatal(err)
	}
	ch, err := s.enforceChange(rec)
	if err != nil {
		t.Fatal(err)
	}
	want, err := s.snap.Apply(model.Change{Upserts: model.Set{Policies: analysis.AsApplied(model.Set{Policies: rec.staged}, nil).Policies}})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range flows {
		if got, want := ch.snap.Evaluate(f), want.Evaluate(f); !reflect.DeepEqual(got, want) {
			t.Fatalf("%s group %q: %v enforced from the staged state:\n%+v\nfrom the loaded one:\n%+v", ns, group, f, got, want)
		}
	}
}

// checkRecommendation compares the recommend page and its enforce, for
// one choice, with computing them in full.
func checkRecommendation(t *testing.T, s *Server, flows, ns, group string) {
	t.Helper()
	q := url.Values{"namespace": {ns}}
	opts := analysis.RecommendOptions{Namespace: ns, Tier: model.TierDefault}
	if group != "" {
		q.Set("group", group)
		for _, g := range s.grouper.Groups(ns) {
			if g.Name == group {
				sel, err := selector.Parse(g.Selector())
				if err != nil {
					t.Fatal(err)
				}
				opts.Selector = sel
			}
		}
	}
	what := fmt.Sprintf("%s group %q", ns, group)

	// The recommendation, observed from every record of the files.
	rc, err := analysis.NewRecommender(s.set, opts)
	if err != nil {
		t.Fatal(err)
	}
	readers, closeAll, err := openFlows([]string{flows}, flowlog.Verdict)
	if err != nil {
		t.Fatal(err)
	}
	obs, err := analysis.Stream(readers, analysis.Options{Workers: 1}, analysis.NewObserved, rc.Add, func(a, b *analysis.Observed) { a.Merge(b) })
	closeAll()
	if err != nil {
		t.Fatal(err)
	}
	staged := rc.Policies(obs)
	var yaml strings.Builder
	if err := policy.Encode(&yaml, model.Set{Policies: staged}, "yaml"); err != nil {
		t.Fatal(err)
	}
	stagedSet := analysis.WithUpserts(s.set, model.Set{Policies: staged})
	enforced := analysis.WithUpserts(s.set, model.Set{Policies: analysis.AsApplied(model.Set{Policies: staged}, nil).Policies})

	code, rec := get(t, s.Handler(), "GET", "/api/recommend?"+q.Encode(), "")
	if code != 200 {
		t.Fatalf("%s: recommend: %d %v", what, code, rec)
	}
	if rec["yaml"] != yaml.String() || rec["records"].(float64) != float64(obs.Records) || rec["used"].(float64) != float64(obs.Used) || rec["unresolved"].(float64) != float64(obs.Unresolved) {
		t.Errorf("%s: recommended %v records %v used %v unresolved\n%s\nin full %d, %d, %d\n%s", what, rec["records"], rec["used"], rec["unresolved"], rec["yaml"], obs.Records, obs.Used, obs.Unresolved, yaml.String())
	}
	sameJSON(t, what+": staged impact", rec["impact"], replayFiles(t, flows, stagedSet, analysis.ModePending, nil))

	code, enf := get(t, s.Handler(), "GET", "/api/recommend/enforce?"+q.Encode(), "")
	if code != 200 {
		t.Fatalf("%s: recommend/enforce: %d %v", what, code, enf)
	}
	mopts := analysis.MatrixOptions{Ports: analysis.DefaultPorts(s.set, enforced), Namespace: ns}
	before, err := analysis.NewMatrix(s.set, mopts)
	if err != nil {
		t.Fatal(err)
	}
	after, err := analysis.NewMatrix(enforced, mopts)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, what+": enforced diff", enf["diff"], analysis.DiffMatrices(before, after))
	sameJSON(t, what+": enforced impact", enf["impact"], replayFiles(t, flows, s.set, analysis.ModeCandidate, &enforced))
	sameJSON(t, what+": staged after enforcing", enf["stagedAfter"], replayFiles(t, flows, enforced, analysis.ModePending, nil))
}

// replayFiles replays every record of the files against engines built
// from the sets, as the console reports it.
func replayFiles(t *testing.T, flows string, start model.Set, mode analysis.Mode, after *model.Set) analysis.ImpactReport {
	t.Helper()
	r, err := analysis.NewReplayer(start, mode, after, nil)
	if err != nil {
		t.Fatal(err)
	}
	readers, closeAll, err := openFlows([]string{flows}, flowlog.Verdict)
	defer closeAll()
	if err != nil {
		t.Fatal(err)
	}
	imp, err := r.Run(readers, analysis.Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	return imp.Report(string(mode), maxGroups)
}

// sameJSON fails unless got (decoded from a page) and want encode alike.
func sameJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	g, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	wb, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	var w any
	if err := json.Unmarshal(wb, &w); err != nil {
		t.Fatal(err)
	}
	if wb, _ = json.Marshal(w); string(g) != string(wb) {
		t.Errorf("%s:\npage    %s\nin full %s", what, g, wb)
	}
}

func TestEnforceSwap(t *testing.T) {
	pol := func(kind model.Kind, name string, order float64) model.Policy {
		p := model.Policy{Kind: kind, Namespace: "ns", Name: name, Tier: model.TierDefault, Order: &order}
		if kind.Staged() {
			p.StagedAction = model.StagedSet
		}
		return p
	}
	inputWeb := pol(model.KindStagedNetworkPolicy, "web", 1)
	set := model.Set{Policies: []model.Policy{inputWeb, pol(model.KindNetworkPolicy, "db", 2)}}
	web, db := pol(model.KindStagedNetworkPolicy, "web", 9), pol(model.KindStagedNetworkPolicy, "db", 9)
	webOn, dbOn := pol(model.KindNetworkPolicy, "web", 9), pol(model.KindNetworkPolicy, "db", 9)
	for _, c := range []struct {
		name             string
		staged, enforced []model.Policy
		want             model.Change
	}{
		{"a new name: the staged one goes", []model.Policy{db}, []model.Policy{dbOn},
			model.Change{Upserts: model.Set{Policies: []model.Policy{dbOn}}, Deletes: []model.Key{db.Key()}}},
		{"the name of a staged policy of the input: it comes back", []model.Policy{web}, []model.Policy{webOn},
			model.Change{Upserts: model.Set{Policies: []model.Policy{webOn, inputWeb}}}},
		{"both", []model.Policy{db, web}, []model.Policy{dbOn, webOn},
			model.Change{Upserts: model.Set{Policies: []model.Policy{dbOn, webOn, inputWeb}}, Deletes: []model.Key{db.Key()}}},
		{"nothing", nil, nil, model.Change{}},
	} {
		got := enforceSwap(set, c.staged, c.enforced)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", c.name, got, c.want)
		}
	}
}
