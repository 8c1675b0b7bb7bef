package analysis

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/verdictlabs/verdict/analysis/flowlog"
	"github.com/verdictlabs/verdict/model"
)

// The enforced db policy admits worker and result; a staged policy of the
// same name would admit result only; a staged Delete would remove the
// enforced policy that lets vote reach redis.
const replayPolicies = `
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: db, namespace: vote}
spec:
  selector: app == 'db'
  types: [Ingress]
  ingress:
  - {action: Allow, protocol: TCP, source: {selector: app == 'worker' || app == 'result'}, destination: {ports: [5432]}}
---
apiVersion: projectcalico.org/v3
kind: StagedNetworkPolicy
metadata: {name: db, namespace: vote}
spec:
  selector: app == 'db'
  types: [Ingress]
  ingress:
  - {action: Allow, protocol: TCP, source: {selector: app == 'result'}, destination: {ports: [5432]}}
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: redis, namespace: vote}
spec:
  selector: app == 'redis'
  types: [Ingress]
  ingress:
  - {action: Allow, protocol: TCP, source: {selector: app == 'vote' || app == 'worker'}}
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: redis-audit, namespace: vote}
spec:
  selector: app == 'redis'
  types: [Ingress]
  ingress: [{action: Log}]
---
apiVersion: projectcalico.org/v3
kind: StagedNetworkPolicy
metadata: {name: redis, namespace: vote}
spec: {stagedAction: Delete}
`

func replay(t *testing.T, r *Replayer, recs []flowlog.Record) *Impact {
	t.Helper()
	imp := NewImpact()
	for i := range recs {
		r.Add(imp, &recs[i])
	}
	return imp
}

func TestReplayModes(t *testing.T) {
	res := load(t, voteCluster, replayPolicies)
	if len(res.StagedDeletes) != 1 {
		t.Fatalf("staged deletes %v", res.StagedDeletes)
	}
	traffic := voteTraffic()

	pending, err := NewReplayer(res.Set, ModePending, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := replay(t, pending, traffic)
	// Pending: the enforced db policy still admits worker first (it sorts
	// before the staged one of the same name); the staged Delete counts
	// for nothing. Nothing changes.
	if p.NewlyDenied != 0 || p.NewlyAllowed != 0 || p.Flows != uint64(len(traffic)) {
		t.Errorf("pending: %+v", p)
	}

	applied := AsApplied(res.Set, res.StagedDeletes)
	asApplied, err := NewReplayer(res.Set, ModeAsApplied, &applied, nil)
	if err != nil {
		t.Fatal(err)
	}
	a := replay(t, asApplied, traffic)
	// As applied: the staged db replaces the enforced one, so worker
	// loses db; redis' policy is deleted, so vote and worker reach the
	// end of the default tier at redis, attributed to redis-audit.
	redisEnd := model.Hit{Kind: model.KindNetworkPolicy, Tier: "default", Namespace: "vote", Name: "redis-audit", Index: -1, Action: model.HitDeny}
	want := map[ChangeKey]uint64{
		{Change: NewlyDenied, Source: "vote/app=vote", Destination: "vote/app=redis", Protocol: 6, Port: 6379, Side: model.Ingress, Hit: redisEnd}:   1,
		{Change: NewlyDenied, Source: "vote/app=worker", Destination: "vote/app=redis", Protocol: 6, Port: 6379, Side: model.Ingress, Hit: redisEnd}: 1,
		{Change: NewlyDenied, Source: "vote/app=worker", Destination: "vote/app=db", Protocol: 6, Port: 5432, Side: model.Ingress,
			Hit: model.Hit{Kind: model.KindNetworkPolicy, Tier: "default", Namespace: "vote", Name: "db", Index: -1, Action: model.HitDeny}}: 1,
	}
	if got := connections(a); !reflect.DeepEqual(got, want) {
		t.Errorf("as applied changes:\n got %v\nwant %v", got, want)
	}
	if a.NewlyDenied != 3 || a.NewlyAllowed != 0 {
		t.Errorf("as applied: %d newly denied, %d newly allowed", a.NewlyDenied, a.NewlyAllowed)
	}

	// Candidate: a default deny for vote; DNS and the outside traffic are
	// cut, and the rest too, at both sides.
	cand := load(t, `
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: default-deny}
spec: {namespaceSelector: projectcalico.org/name == 'vote', types: [Ingress, Egress]}
`)
	after := WithUpserts(res.Set, cand.Set)
	candidate, err := NewReplayer(res.Set, ModeCandidate, &after, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := replay(t, candidate, traffic)
	if c.NewlyDenied != uint64(len(traffic)) {
		t.Errorf("candidate default deny: %d newly denied, want every one of %d", c.NewlyDenied, len(traffic))
	}
	for k := range c.Changes {
		if k.Side != model.Egress && !strings.HasPrefix(k.Source, "203.0.113.") {
			t.Errorf("a flow from vote is cut at its egress first: %+v", k)
		}
	}
}

func connections(t *Impact) map[ChangeKey]uint64 {
	out := map[ChangeKey]uint64{}
	for k, s := range t.Changes {
		out[k] = s.Connections
	}
	return out
}

func TestReplayCounts(t *testing.T) {
	res := load(t, voteCluster, `
apiVersion: projectcalico.org/v3
kind: StagedGlobalNetworkPolicy
metadata: {name: default-deny}
spec: {namespaceSelector: projectcalico.org/name == 'vote', types: [Ingress, Egress]}
`)
	r, err := NewReplayer(res.Set, ModePending, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	worker := rec("vote/worker-6c4d-q1w2e", "vote/db-0", "tcp", 5432)
	worker.Count, worker.Start, worker.End, worker.Reporter, worker.Action = 3, t0, t0, flowlog.Source, flowlog.Allow
	// The same flows logged by the destination: counted once.
	workerDst := worker
	workerDst.Reporter = flowlog.Dest
	later := worker
	later.Start, later.End = t0.Add(time.Hour), t0.Add(2*time.Hour)
	// Logged as denied at the source, which allows it: a mismatch.
	mismatch := worker
	mismatch.Action = flowlog.Deny
	unresolved := rec("vote/nginx-*", "vote/db-0", "tcp", 5432)
	unresolved.Src.Name = "nginx-*"
	imp := replay(t, r, []flowlog.Record{worker, workerDst, later, mismatch, unresolved})
	if imp.Records != 5 || imp.Flows != 9 || imp.Unresolved != 1 || imp.NewlyDenied != 9 || imp.ObservedMismatch != 3 {
		t.Errorf("summary %+v", imp.Report("pending", 0).Summary)
	}
	if imp.UnresolvedPeers["vote/nginx-*"] != 1 {
		t.Errorf("unresolved peers %v", imp.UnresolvedPeers)
	}
	rep := imp.Report("pending", 0)
	if len(rep.Changes) != 1 {
		t.Fatalf("changes %+v", rep.Changes)
	}
	ch := rep.Changes[0]
	if ch.Records != 3 || ch.Connections != 9 || !ch.FirstSeen.Equal(t0) || !ch.LastSeen.Equal(t0.Add(2*time.Hour)) || ch.Side != "Egress" || ch.Hit.Name != "default-deny" {
		t.Errorf("change %+v", ch)
	}
}

func TestReportFoldsGroups(t *testing.T) {
	imp := NewImpact()
	for i, n := range []uint64{5, 4, 3, 2, 1} {
		imp.add(ChangeKey{Change: NewlyDenied, Source: "vote/app=vote", Destination: fmt.Sprintf("203.0.113.%d", i), Protocol: 6, Port: 443}, n, time.Time{}, time.Time{})
	}
	rep := imp.Report("pending", 3)
	var dsts []string
	for _, c := range rep.Changes {
		dsts = append(dsts, fmt.Sprintf("%s:%d", c.Destination, c.Connections))
	}
	// vote/app=vote and the two busiest addresses keep their names.
	if got := strings.Join(dsts, " "); got != "other:6 203.0.113.0:5 203.0.113.1:4" {
		t.Errorf("folded changes %s", got)
	}
}

// randomImpact makes a tally with a few of a small set of keys, so that
// merges overlap.
func randomImpact(r *rand.Rand) *Impact {
	t := NewImpact()
	t.Records = r.Uint64N(100)
	t.Flows, t.Unresolved = r.Uint64N(100), r.Uint64N(10)
	t.NewlyDenied, t.NewlyAllowed, t.ObservedMismatch = r.Uint64N(50), r.Uint64N(50), r.Uint64N(5)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for range r.IntN(6) {
		k := ChangeKey{Change: []string{NewlyDenied, NewlyAllowed}[r.IntN(2)], Source: fmt.Sprint("s", r.IntN(3)), Destination: fmt.Sprint("d", r.IntN(3)), Protocol: 6, Port: uint16(r.IntN(3))}
		first := time.Time{}
		if r.IntN(4) > 0 {
			first = base.Add(time.Duration(r.IntN(1000)) * time.Minute)
		}
		t.add(k, r.Uint64N(10)+1, first, first.Add(time.Duration(r.IntN(100))*time.Minute))
	}
	for range r.IntN(3) {
		t.UnresolvedPeers[fmt.Sprint("p", r.IntN(3))] += r.Uint64N(5) + 1
	}
	return t
}

func merged(ts ...*Impact) *Impact {
	out := ts[0].Clone()
	for _, t := range ts[1:] {
		out.Merge(t)
	}
	return out
}

// TestMergeLaws: Merge is associative and commutative, the empty tally
// is its identity, and merging leaves the argument as it was.
func TestMergeLaws(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 21))
	for i := range 500 {
		a, b, c := randomImpact(r), randomImpact(r), randomImpact(r)
		bCopy := b.Clone()
		left := merged(merged(a, b), c)
		right := merged(a, merged(b, c))
		if !reflect.DeepEqual(left, right) {
			t.Fatalf("case %d: not associative:\n%+v\n%+v", i, left, right)
		}
		if ab, ba := merged(a, b), merged(b, a); !reflect.DeepEqual(ab, ba) {
			t.Fatalf("case %d: not commutative:\n%+v\n%+v", i, ab, ba)
		}
		if id := merged(a, NewImpact()); !reflect.DeepEqual(id, a) {
			t.Fatalf("case %d: the empty tally is not an identity", i)
		}
		if !reflect.DeepEqual(b, bCopy) {
			t.Fatalf("case %d: Merge changed its argument", i)
		}
	}
}

// TestRunParallel: the parallel replay of a file gives the tally of the
// sequential one, and a bad record names its file and line.
// Judge then AddJudgement counts a record as Add does, in each mode.
func TestAddJudgement(t *testing.T) {
	res := load(t, voteCluster, `
apiVersion: projectcalico.org/v3
kind: StagedGlobalNetworkPolicy
metadata: {name: default-deny}
spec: {namespaceSelector: projectcalico.org/name == 'vote', types: [Ingress, Egress]}
`)
	r, err := NewReplayer(res.Set, ModePending, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	recs := voteTraffic()
	worker := rec("vote/worker-6c4d-q1w2e", "vote/db-0", "tcp", 5432)
	worker.Reporter, worker.Action = flowlog.Dest, flowlog.Deny
	unresolved := rec("vote/nginx-*", "vote/db-0", "tcp", 5432)
	unresolved.Src.Name = "nginx-*"
	recs = append(recs, worker, unresolved)
	added, judged := NewImpact(), NewImpact()
	for i := range recs {
		r.Add(added, &recs[i])
		j := r.Judge(&recs[i])
		r.AddJudgement(judged, &recs[i], &j)
	}
	if !reflect.DeepEqual(added, judged) || added.NewlyDenied == 0 || added.Unresolved == 0 || added.ObservedMismatch == 0 {
		t.Errorf("Judge and AddJudgement %+v\nAdd %+v", judged.Report("", 0).Summary, added.Report("", 0).Summary)
	}
}

func TestRunParallel(t *testing.T) {
	res := load(t, voteCluster, `
apiVersion: projectcalico.org/v3
kind: StagedGlobalNetworkPolicy
metadata: {name: default-deny}
spec: {namespaceSelector: projectcalico.org/name == 'vote', types: [Ingress, Egress]}
`)
	r, err := NewReplayer(res.Set, ModePending, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	traffic := voteTraffic()
	for i := range 5000 {
		x := traffic[i%len(traffic)]
		lines = append(lines, fmt.Sprintf(`{"src":%q,"dst":%q,"proto":%d,"dport":%d,"count":%d}`, peerString(x.Src), peerString(x.Dst), x.Protocol, x.DstPort, i%3+1))
	}
	text := strings.Join(lines, "\n")
	seq := NewImpact()
	rd, _ := flowlog.NewReader(strings.NewReader(text), "flows.jsonl", flowlog.Auto)
	var fr flowlog.Record
	for rd.Next(&fr) == nil {
		r.Add(seq, &fr)
	}
	rd, _ = flowlog.NewReader(strings.NewReader(text), "flows.jsonl", flowlog.Auto)
	par, err := r.Run([]*flowlog.Reader{rd}, Options{Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(seq, par) || par.Records != 5000 {
		t.Errorf("parallel %+v\nsequential %+v", par.Report("", 0).Summary, seq.Report("", 0).Summary)
	}

	bad := text + "\n" + `{"src":"a","dst":"b","dport":"x"}` + "\n" + text
	rd, _ = flowlog.NewReader(strings.NewReader(bad), "flows.jsonl", flowlog.Auto)
	if _, err := r.Run([]*flowlog.Reader{rd}, Options{Workers: 2}); err == nil || !strings.HasPrefix(err.Error(), "flows.jsonl:5001:") {
		t.Errorf("error %v, want one at flows.jsonl:5001", err)
	}
}

func peerString(p flowlog.Peer) string {
	if p.Addr.IsValid() {
		return p.Addr.String()
	}
	return p.Namespace + "/" + p.Name
}
