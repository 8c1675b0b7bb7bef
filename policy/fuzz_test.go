package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/verdictlabs/verdict/internal/fuzzing"
)

// FuzzDecode: any input gives a model, Problems or a *ReadError, never a
// panic; and a model that loads writes out as v3 that loads back to the
// same model.
func FuzzDecode(f *testing.F) {
	fuzzing.BoundMinimizing(f, 2*time.Second)
	// Seeds are single documents: the fuzzer minimises every input that
	// finds new coverage, and whole multi-document files made it spend its
	// time minimising (120 executions in 45 s).
	for _, pattern := range []string{"testdata/*.yaml", "testdata/*.json", "testdata/seeds/*"} {
		files, _ := filepath.Glob(pattern)
		for _, name := range files {
			data, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			for _, doc := range bytes.Split(data, []byte("\n---\n")) {
				if len(doc) <= maxFuzzSeed {
					f.Add(doc)
				}
			}
		}
	}
	for _, c := range malformedCases {
		f.Add([]byte(c.doc))
	}
	f.Add([]byte("--- {a: 1}\n...\n- [x]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		set, err := Decode(bytes.NewReader(data))
		if err != nil {
			var probs Problems
			var re *ReadError
			if !errors.As(err, &probs) && !errors.As(err, &re) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		var buf bytes.Buffer
		if err := Encode(&buf, set, "yaml"); err != nil {
			// Only resources that would share a v3 name fail to encode.
			return
		}
		back, err := Decode(&buf)
		if err != nil {
			t.Fatalf("the output of Encode does not load: %v\n%s", err, buf.String())
		}
		if diff := cmp.Diff(asWritten(set), back, modelCmp); diff != "" {
			t.Fatalf("round trip changed the model (-in +back):\n%s", diff)
		}
	})
}

// maxFuzzSeed is the largest seed the decoding fuzz targets start from.
const maxFuzzSeed = 600

// FuzzDecodeRule: any input gives a rule or Problems, and a rule that
// decodes writes out as JSON that decodes to the same rule.
func FuzzDecodeRule(f *testing.F) {
	for _, s := range []string{
		`{"action":"Allow"}`,
		`{"action":"allow","protocol":"tcp","destination":{"ports":[80,"8000:8080","http"]}}`,
		`{"action":"Deny","ipVersion":6,"source":{"nets":["2001:db8::/32"],"notSelector":"has(x)"}}`,
		`{"action":"Allow","protocol":"ICMP","icmp":{"type":8,"code":0}}`,
		`{"action":"Allow","http":{"methods":["GET"],"paths":[{"prefix":"/a"}]}}`,
		`{"action":"Pass","source":{"namespaceSelector":"global()","serviceAccounts":{"names":["a"]}}}`,
		`{"action":"Allow","destination":{"services":{"name":"db","namespace":"x"}}}`,
		`{"action":"Log","metadata":{"annotations":{"k":"v"}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := DecodeRule(data)
		if err != nil {
			var probs Problems
			if !errors.As(err, &probs) || len(probs.Errors()) == 0 {
				t.Fatalf("error %v (%T) is not Problems with an error", err, err)
			}
			return
		}
		out, err := json.Marshal(v3FromRule(&r))
		if err != nil {
			t.Fatal(err)
		}
		back, err := DecodeRule(out)
		if err != nil {
			t.Fatalf("re-encoded rule %s does not decode: %v", out, err)
		}
		if diff := cmp.Diff(r, back, modelCmp); diff != "" {
			t.Fatalf("round trip changed the rule (-in +back):\n%s", diff)
		}
	})
}
