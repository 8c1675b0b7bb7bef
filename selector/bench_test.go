package selector

import "testing"

// BenchmarkParse parses the expression of Calico's own parser benchmark,
// so the figures compare directly (Calico: about 5-7 µs and 36
// allocations).
func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(`! (a == "b"&&! c != "d") || !(a == "b" && !c != "d")`); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMatch evaluates selectors of growing size against one label
// set; it must report zero allocations.
func BenchmarkMatch(b *testing.B) {
	labels := Map{
		"app":                         "web",
		"tier":                        "frontend",
		"env":                         "prod",
		"team":                        "payments",
		"zone":                        "eu-west-1a",
		"projectcalico.org/namespace": "shop",
	}
	benchmarks := []struct{ name, text string }{
		{"equal", `app == "web"`},
		{"and3", `app == "web" && tier == "frontend" && env != "dev"`},
		{"in-notin", `tier in {"backend", "frontend", "worker"} && env not in {"dev", "test"}`},
		{"mix5", `app == "web" && has(team) && !has(quarantine) && zone starts with "eu-" && (env in {"prod", "staging"} || team == "sre")`},
	}
	for _, bm := range benchmarks {
		s := MustParse(bm.text)
		if !s.Matches(labels) {
			b.Fatalf("%q does not match", bm.text)
		}
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s.Matches(labels)
			}
		})
	}
}

// BenchmarkUniqueID measures the ID, which is hashed on each call.
func BenchmarkUniqueID(b *testing.B) {
	s := MustParse(`! (a == "b"&&! c != "d") || !(a == "b" && !c != "d")`)
	b.ReportAllocs()
	for b.Loop() {
		_ = s.UniqueID()
	}
}
