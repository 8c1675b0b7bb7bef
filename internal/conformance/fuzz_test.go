package conformance

import (
	"bufio"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/verdictlabs/verdict/internal/fuzzing"
)

// FuzzReadCases feeds arbitrary lines to the case reader and builder: they
// must return cases or errors, never panic, and every case read must
// either build or say why not.
func FuzzReadCases(f *testing.F) {
	// Real case lines are 1-2 KB: unbounded minimizing takes the run.
	fuzzing.BoundMinimizing(f, 2*time.Second)
	f.Add(minimal)
	f.Add(strings.Replace(minimal, `"policies":[]`, `"policies":[{"name":"p","selector":"has(a)","types":["Ingress"],"ingress":[{"action":"Allow","source":{"nets":["10.0.0.0/8"]}}]}]`, 1))
	f.Add(strings.Replace(minimal, `"tiers":[]`, `"tiers":[],"k8s_network_policies":[{"metadata":{"name":"k","namespace":"ns1"},"spec":{"podSelector":{}}}]`, 1))
	f.Add(`{"id":"x"}`)
	f.Add("{}\n{")
	// A few real cases, so the fuzzer starts from every part of the schema.
	for _, name := range []string{"testdata/verdicts-extended.jsonl", "testdata/verdicts-cnp-http.jsonl", "testdata/verdicts-ports-services.jsonl"} {
		file, err := os.Open(name)
		if err != nil {
			f.Fatal(err)
		}
		sc := bufio.NewScanner(file)
		sc.Buffer(nil, 1<<24)
		for i := 0; i < 3 && sc.Scan(); i++ {
			f.Add(sc.Text())
		}
		file.Close()
	}
	f.Fuzz(func(t *testing.T, input string) {
		cases, err := ReadCases(strings.NewReader(input))
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error without a message")
			}
			return
		}
		for i := range cases {
			s, err := cases[i].Build()
			if err != nil {
				if !strings.Contains(err.Error(), cases[i].ID) {
					t.Fatalf("build error %q does not name case %q", err, cases[i].ID)
				}
				continue
			}
			if s.Judged == nil {
				t.Fatalf("case %q built without a judged endpoint", cases[i].ID)
			}
		}
	})
}
