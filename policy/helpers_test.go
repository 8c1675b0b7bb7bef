package policy

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

// loadInputs loads named inputs together, failing the test on a read
// error; it returns the result and the problems (errors only).
func loadInputs(t testing.TB, inputs ...[2]string) (*Result, Problems) {
	t.Helper()
	return loadInputsWith(t, nil, inputs...)
}

// loadInputsWith is loadInputs with the loader's options.
func loadInputsWith(t testing.TB, opts []Option, inputs ...[2]string) (*Result, Problems) {
	t.Helper()
	l := NewLoader(opts...)
	for _, in := range inputs {
		if err := l.Add(in[0], strings.NewReader(in[1])); err != nil {
			t.Fatalf("reading %s: %v", in[0], err)
		}
	}
	res, err := l.Finish()
	if err == nil {
		return res, nil
	}
	probs, ok := err.(Problems)
	if !ok {
		t.Fatalf("Finish returned %T, want Problems: %v", err, err)
	}
	return res, probs
}

// loadOne loads one input named test.yaml.
func loadOne(t testing.TB, text string) (*Result, Problems) {
	t.Helper()
	return loadInputs(t, [2]string{"test.yaml", text})
}

// mustLoad loads one input that must be valid.
func mustLoad(t testing.TB, text string) *Result {
	t.Helper()
	res, probs := loadOne(t, text)
	if len(probs) > 0 {
		t.Fatalf("unexpected problems:\n%v", probs)
	}
	return res
}

// modelCmp compares models: selectors by canonical text, and nil and
// empty slices and maps as equal (the model does not tell them apart).
var modelCmp = cmp.Options{
	cmp.Comparer(func(a, b *selector.Selector) bool {
		if a == nil || b == nil {
			return a == b
		}
		return a.String() == b.String()
	}),
	cmpopts.EquateEmpty(),
	cmpopts.EquateComparable(netip.Addr{}, netip.Prefix{}),
}

// gnpRule is a GlobalNetworkPolicy named p holding one rule in the given
// direction, written in YAML flow style.
func gnpRule(dir, rule string) string {
	return "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: p}\nspec:\n  " + dir + ":\n  - " + rule + "\n"
}

// calico writes a Calico v3 resource of a kind with metadata and spec in
// YAML flow style.
func calico(kind, metadata, spec string) string {
	return "apiVersion: projectcalico.org/v3\nkind: " + kind + "\nmetadata: " + metadata + "\nspec: " + spec + "\n"
}

func order(f float64) *float64 { return &f }

func sel(text string) *selector.Selector { return selector.MustParse(text) }

func tcp() model.Protocol { return model.ProtocolNamed(model.ProtoTCP) }

// asWritten is the model as Encode writes it: converted Kubernetes
// policies under their Calico kinds, and no types written as both.
func asWritten(set model.Set) model.Set {
	pols := make([]model.Policy, len(set.Policies))
	for i, p := range set.Policies {
		p.Kind = v3PolicyKind(p.Kind)
		if len(p.Types) == 0 {
			p.Types = []model.Direction{model.Ingress, model.Egress}
		}
		pols[i] = p
	}
	set.Policies = pols
	return set
}
