package policy

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/verdictlabs/verdict/model"
)

// loadFiles loads testdata files that must be valid.
func loadFiles(t *testing.T, paths ...string) *Result {
	t.Helper()
	l := NewLoader()
	for _, p := range paths {
		if err := l.AddFile(p); err != nil {
			t.Fatal(err)
		}
	}
	res, err := l.Finish()
	if err != nil {
		t.Fatalf("loading %v: %v", paths, err)
	}
	return res
}

// reencode writes set in format and loads the output back.
func reencode(t *testing.T, set model.Set, format string) *Result {
	t.Helper()
	var buf bytes.Buffer
	if err := Encode(&buf, set, format); err != nil {
		t.Fatalf("Encode: %v", err)
	}
	res, probs := loadInputs(t, [2]string{"encoded." + format, buf.String()})
	if len(probs) > 0 {
		t.Fatalf("the %s output does not load:\n%v\n%s", format, probs, buf.String())
	}
	return res
}

// noWarnings fails the test for warnings: canonical output has none,
// except for the names only legacy and Docker inputs use.
func noWarnings(t *testing.T, res *Result) {
	t.Helper()
	for _, w := range res.Warnings {
		t.Errorf("warning: %s", w)
	}
}

func TestRoundTripV3(t *testing.T) {
	for _, files := range [][]string{
		{"testdata/full-v3.yaml"},
		{"testdata/seeds/000-docker-labels-v3.yaml"},
		{"testdata/seeds/004-vote-platform-tier.yaml"},
	} {
		orig := loadFiles(t, files...)
		for _, format := range []string{"yaml", "json"} {
			back := reencode(t, orig.Set, format)
			noWarnings(t, back)
			if diff := cmp.Diff(orig.Set, back.Set, modelCmp); diff != "" {
				t.Errorf("%v through %s (-orig +back):\n%s", files, format, diff)
			}
		}
	}
}

// Legacy and Docker inputs convert to v3 that loads to the same model as
// the legacy input itself.
func TestRoundTripLegacy(t *testing.T) {
	for _, files := range [][]string{
		{"testdata/seeds/001-docker-labels-v1.yaml", "testdata/docker-inspect.json"},
		{"testdata/seeds/APP-rules.json"},
	} {
		orig := loadFiles(t, files...)
		back := reencode(t, orig.Set, "yaml")
		for _, w := range back.Warnings {
			if !strings.Contains(w.Msg, "accepted as a legacy or Docker name") {
				t.Errorf("warning: %s", w)
			}
		}
		if diff := cmp.Diff(orig.Set, back.Set, modelCmp); diff != "" {
			t.Errorf("%v (-orig +back):\n%s", files, diff)
		}
	}
}

// Kubernetes policies come back as the Calico policies they were
// converted to: the same name, namespace, tier, order, selectors, types
// and rules; only the kind differs. Kubernetes workloads come back
// unchanged.
func TestRoundTripKubernetes(t *testing.T) {
	orig := loadFiles(t, "testdata/kube.yaml")
	back := reencode(t, orig.Set, "yaml")
	noWarnings(t, back)
	if len(orig.Set.Policies) != 3 || len(back.Set.Policies) != 3 {
		t.Fatalf("policies: %d before, %d after", len(orig.Set.Policies), len(back.Set.Policies))
	}
	wantKinds := map[model.Kind]model.Kind{
		model.KindKubernetesNetworkPolicy:        model.KindNetworkPolicy,
		model.KindKubernetesClusterNetworkPolicy: model.KindGlobalNetworkPolicy,
		model.KindStagedKubernetesNetworkPolicy:  model.KindStagedNetworkPolicy,
	}
	for i, p := range orig.Set.Policies {
		if got := back.Set.Policies[i].Kind; got != wantKinds[p.Kind] {
			t.Errorf("%s came back as %s", p.Kind, got)
		}
	}
	if diff := cmp.Diff(asWritten(orig.Set), back.Set, modelCmp); diff != "" {
		t.Errorf("differs in more than the kinds of policies (-orig +back):\n%s", diff)
	}
}

func TestEncodeCanonicalSpelling(t *testing.T) {
	res := loadFiles(t, "testdata/seeds/000-docker-labels-v3.yaml")
	var buf bytes.Buffer
	if err := Encode(&buf, res.Set, "yaml"); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("testdata/encoded/000-docker-labels-v3.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if buf.String() != string(want) {
		t.Errorf("Encode wrote:\n%s\nwant:\n%s", buf.String(), want)
	}
}

func TestEncodeLeavesOutWhatIsImplied(t *testing.T) {
	res := loadFiles(t, "testdata/kube.yaml")
	var buf bytes.Buffer
	if err := Encode(&buf, res.Set, "yaml"); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, absent := range []string{"name: kns.prod", "name: ksa.prod.web", "name: kube-admin\n", "kind: Tier"} {
		if strings.Contains(out, absent) {
			t.Errorf("output holds %q:\n%s", absent, out)
		}
	}
	for _, present := range []string{"kind: Namespace", "kind: ServiceAccount", "kind: WorkloadEndpoint", "kind: EndpointSlice", "kind: Service\n"} {
		if !strings.Contains(out, present) {
			t.Errorf("output lacks %q", present)
		}
	}
}

func TestEncodeErrors(t *testing.T) {
	if err := Encode(&bytes.Buffer{}, model.Set{}, "toml"); err == nil {
		t.Error("unknown format accepted")
	}
	set := model.Set{Policies: []model.Policy{
		{Kind: model.KindKubernetesNetworkPolicy, Name: "a", Namespace: "prod"},
		{Kind: model.KindNetworkPolicy, Name: "a", Namespace: "prod"},
	}}
	var buf bytes.Buffer
	err := Encode(&buf, set, "yaml")
	if err == nil || !strings.Contains(err.Error(), "would both be written as NetworkPolicy prod/a") {
		t.Errorf("name clash: %v", err)
	}
	if buf.Len() != 0 {
		t.Errorf("wrote output despite the error: %q", buf.String())
	}
	buf.Reset()
	if err := Encode(&buf, model.Set{}, "json"); err != nil || !strings.Contains(buf.String(), `"items": []`) {
		t.Errorf("empty JSON list: %v %q", err, buf.String())
	}
}
