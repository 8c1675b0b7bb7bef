package ui

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/verdictlabs/verdict/analysis"
	"github.com/verdictlabs/verdict/analysis/flowlog"
	"github.com/verdictlabs/verdict/benchmarks/workload"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy"
)

// generated is a server on the benchmarks' generated cluster of 300
// endpoints (196 policies, 158 of them in tier default, 889 lint
// findings) with its 3,000 flows as records: enough for every list to
// take several pages. It takes about half a second.
func generated(t testing.TB) (*Server, model.Set) {
	t.Helper()
	c := workload.NewCluster(workload.LargeClusterParams(300))
	s, err := New(Config{Result: &policy.Result{Set: c.Set}, Flows: []string{writeFlows(t, c)}, Format: flowlog.Verdict, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	return s, c.Set
}

// decode asks the server and decodes its 200 answer into v.
func decode(t *testing.T, s *Server, target string, v any) {
	t.Helper()
	code, body := get(t, s.Handler(), "GET", target, "")
	if code != 200 {
		t.Fatalf("GET %s: %d %v", target, code, body)
	}
	b, _ := json.Marshal(body)
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

type boardAnswer struct {
	Tiers []struct {
		Tier     string
		Total    int
		Offset   int
		Policies []struct {
			analysis.PolicyInTier
			Warnings, Infos int
		}
	}
	FindingCounts findingCounts
}

// TestBoardPaging: the board's pages of each tier, put together, are the
// tier order, with each policy's findings counted; the first answer has
// every tier with its total; a search keeps the policies whose name has
// it; the findings' pages put together are lint's findings.
func TestBoardPaging(t *testing.T) {
	s, set := generated(t)
	order := analysis.TierOrder(set)
	var first boardAnswer
	decode(t, s, "/api/board", &first)
	if len(first.Tiers) != len(order) {
		t.Fatalf("board has %d tiers, want %d", len(first.Tiers), len(order))
	}
	perKey := map[model.Key][2]int{}
	for _, f := range s.findings {
		k := model.Key{Kind: f.Kind, Namespace: f.Namespace, Name: f.Name}
		c := perKey[k]
		if f.Severity == analysis.Warning {
			c[0]++
		} else {
			c[1]++
		}
		perKey[k] = c
	}
	paged := false
	for i, tier := range order {
		if got := first.Tiers[i]; got.Tier != tier.Tier || got.Total != len(tier.Policies) || len(got.Policies) != min(100, len(tier.Policies)) {
			t.Errorf("tier %d: %s with %d of %d policies, want %s with %d", i, got.Tier, len(got.Policies), got.Total, tier.Tier, len(tier.Policies))
		}
		var all []analysis.PolicyInTier
		for offset := 0; ; offset += 37 {
			var b boardAnswer
			decode(t, s, "/api/board?"+url.Values{"tier": {tier.Tier}, "offset": {fmt.Sprint(offset)}, "limit": {"37"}}.Encode(), &b)
			if len(b.Tiers) != 1 || b.Tiers[0].Tier != tier.Tier || b.Tiers[0].Offset != offset {
				t.Fatalf("tier %s from %d: %+v", tier.Tier, offset, b.Tiers)
			}
			for _, p := range b.Tiers[0].Policies {
				all = append(all, p.PolicyInTier)
				if c := perKey[p.Key()]; p.Warnings != c[0] || p.Infos != c[1] {
					t.Errorf("%s: %d warnings, %d infos, want %d and %d", p.Key(), p.Warnings, p.Infos, c[0], c[1])
				}
			}
			if len(b.Tiers[0].Policies) < 37 {
				break
			}
			paged = true
		}
		if diff := cmp.Diff(tier.Policies, all); diff != "" {
			t.Errorf("tier %s, pages put together (-tier order +board):\n%s", tier.Tier, diff)
		}
	}
	if !paged {
		t.Error("no tier took more than one page")
	}

	var found boardAnswer
	decode(t, s, "/api/board?q=WEB&limit=1000", &found)
	n := 0
	for _, tier := range order {
		for _, p := range tier.Policies {
			if strings.Contains(qualified(p.Namespace, p.Name), "web") {
				n++
			}
		}
	}
	got := 0
	for _, tier := range found.Tiers {
		got += tier.Total
		for _, p := range tier.Policies {
			if !strings.Contains(qualified(p.Namespace, p.Name), "web") {
				t.Errorf("search web found %s", p.Key())
			}
		}
	}
	if got != n || n == 0 {
		t.Errorf("search web: %d policies, want %d (more than none)", got, n)
	}

	if c := first.FindingCounts; c.Total != len(s.findings) || c.Warnings+c.Infos != c.Total {
		t.Errorf("finding counts %+v, %d findings", c, len(s.findings))
	}
	var findings []analysis.Finding
	for offset := 0; offset < len(s.findings)+250; offset += 250 {
		var pg struct {
			Total    int
			Findings []analysis.Finding
		}
		decode(t, s, fmt.Sprintf("/api/findings?offset=%d&limit=250", offset), &pg)
		if pg.Total != len(s.findings) {
			t.Errorf("findings total %d, want %d", pg.Total, len(s.findings))
		}
		findings = append(findings, pg.Findings...)
	}
	if len(s.findings) < 250 || !cmp.Equal(findings, s.findings) {
		t.Errorf("findings' pages put together: %d findings, want lint's %d", len(findings), len(s.findings))
	}
}

// TestPolicyPaging: a policy's endpoints, paged, are those it selects,
// counted.
func TestPolicyPaging(t *testing.T) {
	s, set := generated(t)
	var p *model.Policy
	var want *analysis.PolicyAnswer
	for i := range set.Policies {
		a, err := analysis.PolicySelection(&set, &set.Policies[i])
		if err == nil && len(a.Ingress) > 100 {
			p, want = &set.Policies[i], a
			break
		}
	}
	if p == nil {
		t.Fatal("no policy selects more than 100 endpoints")
	}
	var got []analysis.Ref
	for offset := 0; offset <= len(want.Ingress); offset += 40 {
		var pg struct{ Ingress refPage }
		decode(t, s, "/api/policy?"+url.Values{"kind": {string(p.Kind)}, "namespace": {p.Namespace}, "name": {p.Name}, "offset": {fmt.Sprint(offset)}, "limit": {"40"}}.Encode(), &pg)
		if pg.Ingress.Total != len(want.Ingress) || !pg.Ingress.Governed || pg.Ingress.Offset != offset {
			t.Errorf("from %d: %+v", offset, pg.Ingress)
		}
		got = append(got, pg.Ingress.Items...)
	}
	if diff := cmp.Diff(want.Ingress, got); diff != "" {
		t.Errorf("%s ingress, pages put together (-selected +pages):\n%s", p.Key(), diff)
	}
}

// TestImpactPaging: the staged-impact page's policies and each one's
// changes, paged, are the pending replay's report filed by the staged
// policy whose hit decided each change, with counts that add up.
func TestImpactPaging(t *testing.T) {
	s, _ := generated(t)
	rep := s.impact.Report(string(analysis.ModePending), 0)
	staged := map[model.Key]bool{}
	var order []analysis.Ref
	for _, tier := range s.tiers {
		for _, p := range tier.Policies {
			if p.Staged {
				staged[p.Key()] = true
				order = append(order, p.Ref)
			}
		}
	}
	want := map[model.Key][]analysis.Change{}
	var other []analysis.Change
	for _, c := range rep.Changes {
		if c.Hit != nil && staged[model.Key{Kind: c.Hit.Kind, Namespace: c.Hit.Namespace, Name: c.Hit.Name}] {
			k := model.Key{Kind: c.Hit.Kind, Namespace: c.Hit.Namespace, Name: c.Hit.Name}
			want[k] = append(want[k], c)
		} else {
			other = append(other, c)
		}
	}
	if len(order) < 3 || len(want) == 0 {
		t.Fatalf("%d staged policies, %d with changes: too few to page", len(order), len(want))
	}
	changesOf := func(params url.Values) []analysis.Change {
		var all []analysis.Change
		for offset := 0; ; offset += 3 {
			params.Set("offset", fmt.Sprint(offset))
			params.Set("limit", "3")
			var pg changePage
			decode(t, s, "/api/impact/changes?"+params.Encode(), &pg)
			all = append(all, pg.Items...)
			if len(pg.Items) < 3 {
				return all
			}
		}
	}
	var listed []analysis.Ref
	safe := 0
	for offset := 0; offset < len(order); offset += 2 {
		var pg struct {
			Summary     analysis.Summary
			StagedTotal int
			StagedSafe  int
			Staged      []stagedPolicy
			Other       changePage
		}
		decode(t, s, fmt.Sprintf("/api/impact?offset=%d&limit=2&changes=1", offset), &pg)
		if pg.StagedTotal != len(order) || pg.Summary != rep.Summary || pg.Other.Total != len(other) {
			t.Errorf("from %d: %d staged, summary %+v, %d other changes", offset, pg.StagedTotal, pg.Summary, pg.Other.Total)
		}
		for _, sp := range pg.Staged {
			listed = append(listed, sp.Ref)
			w := want[sp.Key()]
			var denied, allowed uint64
			for _, c := range w {
				if c.Change == analysis.NewlyDenied {
					denied += c.Connections
				} else {
					allowed += c.Connections
				}
			}
			if denied == 0 {
				safe++
			}
			if sp.NewlyDenied != denied || sp.NewlyAllowed != allowed || sp.Changes.Total != len(w) || len(sp.Changes.Items) != min(1, len(w)) {
				t.Errorf("%s: %d denied, %d allowed, %d changes (%d shown); want %d, %d, %d", sp.Key(), sp.NewlyDenied, sp.NewlyAllowed, sp.Changes.Total, len(sp.Changes.Items), denied, allowed, len(w))
			}
			if got := changesOf(url.Values{"kind": {string(sp.Kind)}, "namespace": {sp.Namespace}, "name": {sp.Name}}); !cmp.Equal(got, w) {
				t.Errorf("%s: changes' pages put together differ from the report's (%d, want %d)", sp.Key(), len(got), len(w))
			}
		}
		if pg.StagedSafe != safe && offset+2 >= len(order) {
			t.Errorf("%d staged policies safe, want %d", pg.StagedSafe, safe)
		}
	}
	if !cmp.Equal(listed, order) {
		t.Errorf("staged policies listed %v, want in tier order %v", listed, order)
	}
	if got := changesOf(url.Values{}); !cmp.Equal(got, other) {
		t.Errorf("other changes' pages put together differ from the report's (%d, want %d)", len(got), len(other))
	}
}
