package analysis

import (
	"bytes"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy"
)

func randomObserved(r *rand.Rand) *Observed {
	o := NewObserved()
	o.Records, o.Used, o.Unresolved = r.Uint64N(100), r.Uint64N(50), r.Uint64N(10)
	for range r.IntN(6) {
		o.Edges[Edge{Group: fmt.Sprint("g", r.IntN(3)), Direction: []model.Direction{model.Ingress, model.Egress}[r.IntN(2)],
			Peer: fmt.Sprint("p", r.IntN(3)), Protocol: 6, Port: uint16(r.IntN(3))}] = true
	}
	return o
}

func mergedObserved(os ...*Observed) *Observed {
	out := NewObserved()
	for _, o := range os {
		out.Merge(o)
	}
	return out
}

// TestObservedMergeLaws: a runner may merge observations in any grouping
// and order, so Merge must be associative and commutative with the empty
// observation as identity, and leave its argument alone.
func TestObservedMergeLaws(t *testing.T) {
	r := rand.New(rand.NewPCG(26, 4))
	for i := range 500 {
		a, b, c := randomObserved(r), randomObserved(r), randomObserved(r)
		bEdges := maps.Clone(b.Edges)
		if l, rt := mergedObserved(mergedObserved(a, b), c), mergedObserved(a, mergedObserved(b, c)); !reflect.DeepEqual(l, rt) {
			t.Fatalf("case %d: not associative", i)
		}
		if ab, ba := mergedObserved(a, b), mergedObserved(b, a); !reflect.DeepEqual(ab, ba) {
			t.Fatalf("case %d: not commutative", i)
		}
		if id := mergedObserved(a, NewObserved()); !reflect.DeepEqual(id, mergedObserved(a)) {
			t.Fatalf("case %d: the empty observation is not an identity", i)
		}
		zero := &Observed{}
		zero.Merge(a)
		if !reflect.DeepEqual(zero, mergedObserved(a)) {
			t.Fatalf("case %d: merging into a zero Observed lost edges", i)
		}
		if !maps.Equal(b.Edges, bEdges) {
			t.Fatalf("case %d: Merge changed its argument", i)
		}
	}
}

// TestObservedIsPlainData: an observation rebuilt from its exported
// fields alone, as one decoded on another machine is, writes the same
// policies, peers in other namespaces, network sets and addresses
// included.
func TestObservedIsPlainData(t *testing.T) {
	res := load(t, voteCluster)
	rc, err := NewRecommender(res.Set, RecommendOptions{Namespace: "vote"})
	if err != nil {
		t.Fatal(err)
	}
	obs := NewObserved()
	for _, x := range voteTraffic() {
		rc.Add(obs, &x)
	}
	copied := &Observed{Records: obs.Records, Used: obs.Used, Unresolved: obs.Unresolved, Edges: maps.Clone(obs.Edges)}
	var here, rebuilt bytes.Buffer
	if err := policy.Encode(&here, model.Set{Policies: rc.Policies(obs)}, "yaml"); err != nil {
		t.Fatal(err)
	}
	if err := policy.Encode(&rebuilt, model.Set{Policies: rc.Policies(copied)}, "yaml"); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(here.String(), rebuilt.String()); d != "" {
		t.Errorf("policies differ (-made here +rebuilt):\n%s", d)
	}
	if !strings.Contains(here.String(), "203.0.113.7/32") || !strings.Contains(here.String(), "namespaceSelector") {
		t.Errorf("the policies lack the outside address or a peer of another namespace:\n%s", here.String())
	}
	peers := observedPeers(obs)
	for _, want := range []string{"203.0.113.7", "globalnetworkset partners", "kube-system/k8s-app=kube-dns"} {
		if !peers[want] {
			t.Errorf("%s is not a peer: %v", want, peers)
		}
	}
	for name := range peers {
		if g := rc.grouper.Named(name); g == nil || g.Name != name {
			t.Errorf("Named(%q) = %v", name, g)
		}
	}
}

func TestGrouperNamed(t *testing.T) {
	res := load(t, voteCluster)
	g := NewGrouper(&res.Set, nil)
	for _, name := range []string{"vote/app=vote", "globalnetworkset partners", "192.0.2.9"} {
		grp := g.Named(name)
		if grp == nil || grp.Name != name {
			t.Errorf("Named(%q) = %+v", name, grp)
		}
	}
	if grp := g.Named("198.51.100.5"); grp == nil || grp.Name != "globalnetworkset partners" {
		t.Errorf("an address of a network set names %+v, want the set's group", grp)
	}
	if got := g.Named("192.0.2.9").Addr; got != netip.MustParseAddr("192.0.2.9") {
		t.Errorf("address group %v", got)
	}
	for _, name := range []string{"vote/app=nothing", "networkset vote/none", ""} {
		if grp := g.Named(name); grp != nil {
			t.Errorf("Named(%q) = %+v, want nil", name, grp)
		}
	}
}
