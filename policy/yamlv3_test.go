package policy

import (
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"

	yamlv3 "go.yaml.in/yaml/v3"
)

// TestYAMLv3DecoderDiffers shows the cases for which docReader splits
// YAML streams itself rather than with go.yaml.in/yaml/v3's Decoder (see
// docReader): each would change what Verdict says.
func TestYAMLv3DecoderDiffers(t *testing.T) {
	t.Run("error lines", func(t *testing.T) {
		// Line 9 is indented one space less than its sibling: the
		// problem is there. go-yaml v3 names line 5, "metadata:", where
		// the mapping holding the problem begins.
		in := "a: 1\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n  labels:\n    a: b\n   c: d\n"
		err := NewLoader().Add("in.yaml", strings.NewReader(in))
		var re *ReadError
		if !errors.As(err, &re) || re.Line != 9 || re.Document != 2 {
			t.Fatalf("loader: %v, want a ReadError at line 9 of document 2", err)
		}
		dec := yamlv3.NewDecoder(strings.NewReader(in))
		var v3err error
		for v3err == nil {
			var v any
			v3err = dec.Decode(&v)
		}
		m := regexp.MustCompile(`line (\d+)`).FindStringSubmatch(v3err.Error())
		if m == nil {
			t.Fatalf("yaml.v3: %v, want an error with a line", v3err)
		}
		t.Logf("yaml.v3: %v", v3err)
		if n, _ := strconv.Atoi(m[1]); n == 9 {
			t.Errorf("yaml.v3 now names line 9 (%v): its line numbers may be usable", v3err)
		}
	})
	t.Run("YAML 1.1 booleans", func(t *testing.T) {
		// kubectl (sigs.k8s.io/yaml) and calicoctl read yes and on as
		// true, YAML 1.1's booleans; go-yaml v3 reads them as strings.
		in := "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata:\n  name: untracked\nspec:\n  selector: all()\n  types: [Ingress]\n  doNotTrack: yes\n  applyOnForward: on\n"
		l := NewLoader()
		if err := l.Add("in.yaml", strings.NewReader(in)); err != nil {
			t.Fatal(err)
		}
		res, err := l.Finish()
		if err != nil {
			t.Fatal(err)
		}
		if p := res.Set.Policies[0]; !p.DoNotTrack || !p.ApplyOnForward {
			t.Errorf("loader: doNotTrack %v, applyOnForward %v; want both true", p.DoNotTrack, p.ApplyOnForward)
		}
		var v map[string]any
		if err := yamlv3.NewDecoder(strings.NewReader(in)).Decode(&v); err != nil {
			t.Fatal(err)
		}
		if spec := v["spec"].(map[string]any); spec["doNotTrack"] != "yes" || spec["applyOnForward"] != "on" {
			t.Errorf("yaml.v3 now reads yes and on as %v and %v", spec["doNotTrack"], spec["applyOnForward"])
		}
	})
	t.Run("JSON escape of /", func(t *testing.T) {
		// "\/" is a valid JSON escape, which go-yaml refuses.
		in := `{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x", "annotations": {"docs": "https:\/\/example.com"}}}`
		if err := NewLoader().Add("in.json", strings.NewReader(in)); err != nil {
			t.Errorf("loader: %v", err)
		}
		var v any
		if err := yamlv3.NewDecoder(strings.NewReader(in)).Decode(&v); err == nil || err == io.EOF {
			t.Errorf("yaml.v3 now reads \\/ (%v)", err)
		}
	})
}
