package eval_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/verdictlabs/verdict/eval"
	"github.com/verdictlabs/verdict/eval/reference"
	"github.com/verdictlabs/verdict/internal/fuzzing"
	"github.com/verdictlabs/verdict/model"
)

// FuzzNewAndApply gives both evaluators arbitrary model values, written
// as the JSON of a model.Set and of a model.Change, so that the fuzzer
// reaches every field with any value (bogus kinds, empty actions, odd
// ports and networks, huge or missing names): neither panics; they refuse
// exactly the same sets with the same problems; a set they accept gets
// the same verdicts from both; a change Engine.Apply takes is the change
// Set.Apply makes, and one it refuses leaves every answer as it was.
func FuzzNewAndApply(f *testing.F) {
	// Each execution builds two evaluators, so minimizing a new input
	// stalls the run for as long as it is allowed: 5 s a time left it at
	// 1,936 executions in 30 s.
	fuzzing.BoundMinimizing(f, time.Second)
	base := compactJSON(f, checkBase())
	shopSet := compactJSON(f, shop())
	if max(len(base), len(shopSet)) > maxFuzzSet/2 {
		f.Fatalf("seed sets of %d and %d bytes leave the fuzzer little room under %d", len(base), len(shopSet), maxFuzzSet)
	}
	changes := []model.Change{
		{Upserts: model.Set{Endpoints: []model.Endpoint{pod("db", "shop", "10.0.0.2", map[string]string{"app": "cache"})}}},
		{Deletes: []model.Key{{Kind: model.KindTier, Name: "security"}, {Kind: model.KindGlobalNetworkPolicy, Name: "deny-db"}}},
		{Upserts: model.Set{Policies: []model.Policy{{Kind: model.KindNetworkPolicy, Namespace: "shop", Name: "open", Ingress: []model.Rule{{}}}}}},
		{Deletes: []model.Key{{Kind: model.KindTier, Name: "security"}}},
	}
	for i, c := range changes {
		data := compactJSON(f, c)
		if len(data) > maxFuzzChange/2 {
			f.Fatalf("a seed change of %d bytes leaves the fuzzer little room under %d", len(data), maxFuzzChange)
		}
		f.Add(base, data, uint8(i), uint16(5432))
		f.Add(shopSet, data, uint8(i*7), uint16(80))
	}
	f.Add([]byte(`{"Policies":[{"Kind":"GlobalNetworkPolicy","Name":"p","Ingress":[{"Action":""}]}]}`), []byte(`{}`), uint8(0), uint16(0))
	f.Add([]byte(`{"Endpoints":[{"Kind":"WorkloadEndpoint","Namespace":"a","Name":"b","Addresses":["::ffff:10.0.0.1"]}]}`), []byte(`{"Deletes":[{"Kind":"Pod"}]}`), uint8(3), uint16(1))

	f.Fuzz(func(t *testing.T, setJSON, changeJSON []byte, pick uint8, port uint16) {
		// Small inputs keep minimizing short (see fuzzing.BoundMinimizing).
		if len(setJSON) > maxFuzzSet || len(changeJSON) > maxFuzzChange {
			return
		}
		var set model.Set
		if json.Unmarshal(setJSON, &set) != nil || set.Len() > 48 {
			return
		}
		eng, engErr := eval.New(set)
		ref, refErr := reference.New(set)
		if !sameRefusal(t, "New", engErr, refErr) || engErr != nil {
			return
		}
		flows := fuzzFlows(set, pick, port)
		agree(t, "the set", ref, eng, flows)

		var change model.Change
		if json.Unmarshal(changeJSON, &change) != nil || change.Upserts.Len() > 48 {
			return
		}
		next, setErr := set.Apply(change)
		applyErr := eng.Apply(change)
		if (setErr == nil) != (applyErr == nil) {
			t.Fatalf("Set.Apply: %v\nEngine.Apply: %v", setErr, applyErr)
		}
		if applyErr != nil {
			agree(t, "a refused change", ref, eng, flows)
			return
		}
		after, err := reference.New(next)
		if err != nil {
			t.Fatalf("the reference refuses the set Set.Apply made: %v", err)
		}
		agree(t, "the change", after, eng, append(flows, fuzzFlows(change.Upserts, pick+1, port)...))
	})
}

// Input bounds of FuzzNewAndApply, in bytes: room for a few dozen
// compact objects, well above its compact seeds.
const (
	maxFuzzSet    = 4096
	maxFuzzChange = 1024
)

// compactJSON is v as JSON without its zero fields, which unmarshal to
// the same value, so that seeds stay small enough to minimize quickly.
func compactJSON[T any](f *testing.F, v T) []byte {
	f.Helper()
	full, err := json.Marshal(v)
	if err != nil {
		f.Fatal(err)
	}
	var tree any
	if err := json.Unmarshal(full, &tree); err != nil {
		f.Fatal(err)
	}
	tree, _ = dropZero(tree)
	data, err := json.Marshal(tree)
	if err != nil {
		f.Fatal(err)
	}
	var back T
	if err := json.Unmarshal(data, &back); err != nil {
		f.Fatal(err)
	}
	if again, err := json.Marshal(back); err != nil || !bytes.Equal(again, full) {
		f.Fatalf("compact JSON %s reads back as %s, not %s (%v)", data, again, full, err)
	}
	return data
}

// dropZero removes zero members from a decoded JSON tree and reports
// whether what is left is zero itself.
func dropZero(v any) (any, bool) {
	switch v := v.(type) {
	case map[string]any:
		for k, m := range v {
			if rest, zero := dropZero(m); zero {
				delete(v, k)
			} else {
				v[k] = rest
			}
		}
		return v, len(v) == 0
	case []any:
		for i, m := range v {
			v[i], _ = dropZero(m)
		}
		return v, len(v) == 0
	case nil:
		return nil, true
	case bool:
		return v, !v
	case float64:
		return v, v == 0
	case string:
		return v, v == ""
	}
	return v, false
}

// sameRefusal reports whether both evaluators accept, or both refuse with
// the same problems of Set.Check.
func sameRefusal(t *testing.T, what string, engErr, refErr error) bool {
	t.Helper()
	if (engErr == nil) != (refErr == nil) {
		t.Fatalf("%s: the engine says %v, the reference %v", what, engErr, refErr)
	}
	if engErr == nil {
		return true
	}
	var e, r *model.CheckError
	if !errors.As(engErr, &e) || !errors.As(refErr, &r) {
		t.Fatalf("%s: a refusal that is not Set.Check's: engine %v, reference %v", what, engErr, refErr)
	}
	if diff := cmp.Diff(r.Problems, e.Problems); diff != "" {
		t.Fatalf("%s: the evaluators refuse with different problems (-reference +engine):\n%s", what, diff)
	}
	return true
}

// fuzzFlows picks flows between the set's addresses and two outside ones.
func fuzzFlows(set model.Set, pick uint8, port uint16) []model.Flow {
	addrs := []netip.Addr{netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("198.51.100.7")}
	for _, ep := range set.Endpoints {
		addrs = append(addrs, ep.Addresses...)
	}
	protos := []uint8{model.ProtoTCP, model.ProtoUDP, model.ProtoICMP, model.ProtoSCTP}
	var out []model.Flow
	for i := range 4 {
		src := addrs[(int(pick)+i)%len(addrs)]
		dst := addrs[(int(pick)/3+2*i+1)%len(addrs)]
		f := model.Flow{Src: src, Dst: dst, Protocol: protos[(int(pick)+i)%len(protos)]}
		if f.Protocol != model.ProtoICMP {
			f.SrcPort, f.DstPort = 40000, max(port, 1)
		}
		out = append(out, f)
	}
	return out
}

// agree compares the verdicts of both evaluators on the flows.
func agree(t *testing.T, what string, ref *reference.Evaluator, eng *eval.Engine, flows []model.Flow) {
	t.Helper()
	for _, f := range flows {
		// reflect.DeepEqual first: cmp.Diff costs more than both
		// evaluations, and equal values never need it.
		want, got := ref.Evaluate(f), eng.Evaluate(f)
		if reflect.DeepEqual(want, got) {
			continue
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("%s: flow %+v (-reference +engine):\n%s", what, f, diff)
		}
	}
}
