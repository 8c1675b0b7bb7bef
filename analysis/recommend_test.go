package analysis

import (
	"bytes"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/verdictlabs/verdict/analysis/flowlog"
	"github.com/verdictlabs/verdict/benchmarks/workload"
	"github.com/verdictlabs/verdict/eval"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy"
	"github.com/verdictlabs/verdict/selector"
)

func flowRecord(f model.Flow) flowlog.Record {
	r := flowlog.Record{Src: flowlog.Peer{Addr: f.Src}, Dst: flowlog.Peer{Addr: f.Dst}, Protocol: f.Protocol, SrcPort: f.SrcPort, DstPort: f.DstPort, Count: 1}
	if f.ICMP != nil {
		r.HasICMP, r.ICMPType, r.ICMPCode = true, f.ICMP.Type, f.ICMP.Code
	}
	return r
}

// checkRecommendation recommends from observed, enforces the result with
// and without a default deny for the namespace, and checks that every
// observed flow is allowed and every probe outside what was observed
// (groups and ports, or tuples with exact) is denied.
func checkRecommendation(t *testing.T, set model.Set, opts RecommendOptions, observed []flowlog.Record, probes []model.Flow) {
	t.Helper()
	opts.Enforce = true
	r, err := NewRecommender(set, opts)
	if err != nil {
		t.Fatal(err)
	}
	obs := NewObserved()
	for i := range observed {
		r.Add(obs, &observed[i])
	}
	pols := r.Policies(obs)

	// The policies survive encoding and loading as they are.
	var buf bytes.Buffer
	if err := policy.Encode(&buf, model.Set{Policies: pols}, "yaml"); err != nil {
		t.Fatal(err)
	}
	if _, err := policy.Decode(strings.NewReader("apiVersion: v1\nkind: Namespace\nmetadata: {name: " + opts.Namespace + "}\n---\n" + buf.String())); err != nil {
		t.Fatalf("the recommendation does not load: %v\n%s", err, buf.String())
	}

	inside := func(f model.Flow) (touches, admitted bool) {
		src := r.resolver.Resolve(&flowlog.Peer{Addr: f.Src})
		dst := r.resolver.Resolve(&flowlog.Peer{Addr: f.Dst})
		port := f.DstPort
		if !model.ProtocolNumber(f.Protocol).SupportsPorts() {
			port = 0
		}
		admitted = true
		check := func(member, peer *Resolved, d model.Direction) {
			if member.Kind != EndpointPeer || member.Endpoint.Kind == model.KindHostEndpoint {
				return
			}
			g := r.grouper.Endpoint(member.Endpoint)
			if !r.target[g] {
				return
			}
			touches = true
			e := Edge{Group: g.Name, Direction: d, Protocol: f.Protocol, Port: port}
			if opts.Exact {
				e.Member, e.PeerAddr = member.Addr, peer.Addr
				admitted = admitted && obs.Edges[e]
				return
			}
			// A network set admitted by its labels admits every address
			// of every network set with those labels, pods' too, as in
			// Calico.
			e.Peer = r.grouper.Outside(peer.Addr).Name
			ok := obs.Edges[e]
			for name := range observedPeers(obs) {
				pg := r.grouper.Named(name)
				if pg == nil || pg.NetworkSet == nil || len(pg.Labels) == 0 {
					continue
				}
				e.Peer = name
				if !obs.Edges[e] {
					continue
				}
				sel := selector.MustParse(pg.Selector())
				for _, ns := range set.NetworkSets {
					if sel.Matches(selector.Map(ns.Labels)) && slices.ContainsFunc(ns.Nets, func(p netip.Prefix) bool { return p.Contains(peer.Addr) }) {
						ok = true
					}
				}
			}
			if peer.Kind == EndpointPeer {
				e.Peer = r.grouper.Endpoint(peer.Endpoint).Name
				ok = ok || obs.Edges[e]
			}
			admitted = admitted && ok
		}
		check(&src, &dst, model.Egress)
		check(&dst, &src, model.Ingress)
		return touches, admitted
	}

	for _, withDeny := range []bool{false, true} {
		s := set
		s.Policies = append([]model.Policy(nil), pols...)
		if withDeny {
			s.Policies = append(s.Policies, model.Policy{
				Kind: model.KindGlobalNetworkPolicy, Name: "default-deny", Tier: model.TierDefault,
				NamespaceSelector: selector.MustParse("projectcalico.org/name == '" + opts.Namespace + "'"),
				Types:             []model.Direction{model.Ingress, model.Egress},
			})
		}
		eng, err := eval.New(s)
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range observed {
			if rec.Action == flowlog.Deny && !opts.IncludeDenied {
				continue
			}
			f := rec.Flow(rec.Src.Addr, rec.Dst.Addr)
			if !f.Src.IsValid() {
				src, dst := r.resolver.Resolve(&rec.Src), r.resolver.Resolve(&rec.Dst)
				if !addresses(&src, &dst) {
					continue
				}
				f = rec.Flow(src.Addr, dst.Addr)
			}
			// A host endpoint's side is unjudged (SPEC 8), so it counts as
			// denied whatever is recommended; the recommendation answers
			// for the workload sides.
			if v := eng.Evaluate(f); !(v.Egress.Allowed() || v.Egress.Unjudged) || !(v.Ingress.Allowed() || v.Ingress.Unjudged) {
				t.Errorf("default deny %v: observed flow %v is denied: %+v", withDeny, f, v)
			}
		}
		checked := 0
		for _, f := range probes {
			touches, admitted := inside(f)
			if !touches || admitted {
				continue
			}
			checked++
			if v := eng.Evaluate(f); v.Allowed() {
				t.Errorf("default deny %v: flow %v outside the observed is allowed: %+v", withDeny, f, v)
			}
		}
		if checked == 0 {
			t.Errorf("no probe flow fell outside the recommendation")
		}
	}
}

func voteProbes() []model.Flow {
	addrs := []string{"10.0.1.10", "10.0.1.11", "10.0.1.12", "10.0.1.13", "10.0.1.14", "10.0.9.53", "203.0.113.7", "198.51.100.9"}
	var out []model.Flow
	for _, s := range addrs {
		for _, d := range addrs {
			for _, proto := range []uint8{model.ProtoTCP, model.ProtoUDP} {
				for _, port := range []uint16{53, 80, 443, 5432, 5433, 6379, 8080} {
					out = append(out, model.Flow{Src: netip.MustParseAddr(s), Dst: netip.MustParseAddr(d), Protocol: proto, SrcPort: 40000, DstPort: port})
				}
			}
		}
	}
	return out
}

func TestRecommendSeed004(t *testing.T) {
	res := load(t, voteCluster)
	for _, exact := range []bool{false, true} {
		t.Run(fmt.Sprint("exact=", exact), func(t *testing.T) {
			checkRecommendation(t, res.Set, RecommendOptions{Namespace: "vote", Exact: exact}, voteTraffic(), voteProbes())
		})
	}
}

func TestRecommendGenerated(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		p := workload.DefaultClusterParams(80)
		p.Seed = seed
		p.Flows = 800
		c := workload.NewCluster(p)
		set := c.Set
		set.Policies = nil
		// Recommend for the namespace of the first pod that sends.
		var ns string
		for _, f := range c.Flows {
			for i := range set.Endpoints {
				ep := &set.Endpoints[i]
				if ep.Kind == model.KindWorkloadEndpoint && ep.Namespace != "" && len(ep.Addresses) > 0 && ep.Addresses[0] == f.Src {
					ns = ep.Namespace
				}
			}
			if ns != "" {
				break
			}
		}
		var observed []flowlog.Record
		for _, f := range c.Flows[:len(c.Flows)/2] {
			observed = append(observed, flowRecord(f))
		}
		for _, exact := range []bool{false, true} {
			t.Run(fmt.Sprintf("seed%d/exact=%v", seed, exact), func(t *testing.T) {
				checkRecommendation(t, set, RecommendOptions{Namespace: ns, Exact: exact}, observed, c.Flows[len(c.Flows)/2:])
			})
		}
	}
}

func TestRecommendOptions(t *testing.T) {
	res := load(t, voteCluster+`---
apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: platform}
spec: {order: 100}
`)
	traffic := voteTraffic()
	denied := rec("vote/vote-7d9c-abcde", "vote/db-0", "tcp", 5432)
	denied.Action = flowlog.Deny
	traffic = append(traffic, denied)
	run := func(opts RecommendOptions) map[string]model.Policy {
		r, err := NewRecommender(res.Set, opts)
		if err != nil {
			t.Fatal(err)
		}
		obs := NewObserved()
		for i := range traffic {
			r.Add(obs, &traffic[i])
		}
		out := map[string]model.Policy{}
		for _, p := range r.Policies(obs) {
			out[p.Name] = p
		}
		return out
	}
	staged := run(RecommendOptions{Namespace: "vote"})
	if len(staged) != 5 {
		t.Fatalf("policies %v, want one per workload of vote", staged)
	}
	db := staged["db"]
	if db.Kind != model.KindStagedNetworkPolicy || db.StagedAction != model.StagedSet || db.Tier != model.TierDefault || db.Selector.String() != `app == "db"` {
		t.Errorf("db: %+v", db)
	}
	if len(db.Ingress) != 2 || len(db.Egress) != 0 {
		t.Errorf("db admits worker and result, not the denied vote: %+v", db.Ingress)
	}
	vote := staged["vote"]
	if len(vote.Egress) != 2 || vote.Egress[0].Destination.NamespaceSelector == nil || vote.Egress[0].Destination.NamespaceSelector.String() != `projectcalico.org/name == "kube-system"` {
		t.Errorf("vote's DNS egress: %+v", vote.Egress)
	}
	if n := vote.Ingress[0].Source.Nets; len(n) != 1 || n[0].String() != "203.0.113.7/32" {
		t.Errorf("vote from outside: %+v", vote.Ingress)
	}
	worker := staged["worker"]
	var partners bool
	for _, r := range worker.Egress {
		if r.Destination.Selector != nil && r.Destination.Selector.String() == `zone == "partners"` && r.Destination.NamespaceSelector.String() == "global()" {
			partners = true
		}
	}
	if !partners {
		t.Errorf("worker reaches the labelled network set by its labels: %+v", worker.Egress)
	}

	enforced := run(RecommendOptions{Namespace: "vote", Enforce: true, Tier: "platform", IncludeDenied: true, Selector: selector.MustParse("app in {'db', 'redis'}")})
	if len(enforced) != 2 || enforced["db"].Kind != model.KindNetworkPolicy || enforced["db"].Tier != "platform" || len(enforced["db"].Ingress) != 3 {
		t.Errorf("--enforce --tier platform --include-denied --selector: %+v", enforced)
	}
	if _, err := NewRecommender(res.Set, RecommendOptions{Namespace: "vote", Tier: "security"}); err == nil {
		t.Error("a tier not in the inputs was taken")
	}
	if _, err := NewRecommender(res.Set, RecommendOptions{Namespace: "vote", Selector: selector.MustParse("app == 'nginx'")}); err == nil {
		t.Error("a selection naming no endpoint was taken")
	}
	if got := Ranges([]uint16{8080, 80, 81, 82, 443, 8081, 81}); fmt.Sprint(got) != "[{80 82 } {443 443 } {8080 8081 }]" {
		t.Errorf("ranges %v", got)
	}

	// A workload with no observed flow is denied both ways.
	r, _ := NewRecommender(res.Set, RecommendOptions{Namespace: "vote"})
	for _, p := range r.Policies(NewObserved()) {
		if len(p.Ingress)+len(p.Egress) != 0 || len(p.Types) != 2 {
			t.Errorf("policy without observations: %+v", p)
		}
	}
}

// observedPeers names every peer group of the observation.
func observedPeers(obs *Observed) map[string]bool {
	out := map[string]bool{}
	for e := range obs.Edges {
		if e.Peer != "" {
			out[e.Peer] = true
		}
	}
	return out
}
