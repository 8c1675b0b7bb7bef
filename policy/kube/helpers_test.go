package kube

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy/internal/resource"
	"github.com/verdictlabs/verdict/selector"
)

// kubeCmp compares converted models: selectors by their canonical text,
// addresses by value, and nil and empty lists and maps alike.
var kubeCmp = cmp.Options{
	cmp.Comparer(func(a, b *selector.Selector) bool {
		if a == nil || b == nil {
			return a == b
		}
		return a.String() == b.String()
	}),
	cmp.Comparer(func(a, b netip.Prefix) bool { return a == b }),
	cmp.Comparer(func(a, b netip.Addr) bool { return a == b }),
	cmpopts.EquateEmpty(),
}

// kubeOrch is the orchestrator clause every converted pod selector starts
// with.
const kubeOrch = "projectcalico.org/orchestrator == 'k8s'"

// kubeSel parses a selector the test expects.
func kubeSel(text string) *selector.Selector { return selector.MustParse(text) }

// kubePod is kubeOrch and the given terms, as Calico writes a converted
// pod selector.
func kubePodSel(terms ...string) *selector.Selector {
	return kubeSel(strings.Join(append([]string{kubeOrch}, terms...), " && "))
}

func kubeOrder(f float64) *float64 { return &f }

func kubePrefixes(cidrs ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(cidrs))
	for i, c := range cidrs {
		out[i] = netip.MustParsePrefix(c)
	}
	return out
}

func kubePorts(ports ...any) []model.Port {
	out := make([]model.Port, len(ports))
	for i, p := range ports {
		switch p := p.(type) {
		case int:
			out[i] = model.Port{Min: uint16(p), Max: uint16(p)}
		case [2]int:
			out[i] = model.Port{Min: uint16(p[0]), Max: uint16(p[1])}
		case string:
			out[i] = model.Port{Name: p}
		default:
			panic("kubePorts: bad port")
		}
	}
	return out
}

var (
	kubeTCP  = model.ProtocolNamed(model.ProtoTCP)
	kubeUDP  = model.ProtocolNamed(model.ProtoUDP)
	kubeSCTP = model.ProtocolNamed(model.ProtoSCTP)
)

// kubeDecode decodes a test object strictly, as the loader does.
func kubeDecode(t testing.TB, text string, dst any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader([]byte(text)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		t.Fatalf("decoding %s: %v", text, err)
	}
}

// kubeDecodeLoose decodes a workload object, whose fields Verdict does
// not use are ignored, as the loader does.
func kubeDecodeLoose(t testing.TB, text string, dst any) {
	t.Helper()
	if err := json.Unmarshal([]byte(text), dst); err != nil {
		t.Fatalf("decoding %s: %v", text, err)
	}
}

// kubeWant is an expected problem: its severity, field path and a part of
// its message.
type kubeWant struct {
	sev  resource.Severity
	path string
	msg  string
}

// kubeCheckProblems compares problems with the expected ones, in order.
func kubeCheckProblems(t *testing.T, got Problems, want []kubeWant) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%s", len(got), len(want), kubeProblemList(got))
	}
	for i, w := range want {
		g := got[i]
		if g.Severity != w.sev || g.Path != w.path || !strings.Contains(g.Msg, w.msg) {
			t.Errorf("problem %d = %q (severity %d), want severity %d, path %q, message containing %q", i, g.String(), g.Severity, w.sev, w.path, w.msg)
		}
	}
}

func kubeProblemList(ps Problems) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString("  ")
		b.WriteString(p.String())
		b.WriteByte('\n')
	}
	return b.String()
}
