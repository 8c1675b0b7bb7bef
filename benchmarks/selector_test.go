package benchmarks

import (
	"testing"

	"github.com/verdictlabs/verdict/selector"
)

// selectorTexts are selectors as clusters write them, from the simplest
// equality to the forms Calico's parser benchmark exercises.
var selectorTexts = []string{
	`app == "web"`,
	`projectcalico.org/orchestrator == "k8s" && app == "api"`,
	`role in {"db", "cache", "queue"} && env != "dev"`,
	`has(backup) && !has(ephemeral)`,
	`all()`,
	`tier == "frontend" || (tier == "backend" && team starts with "pay")`,
	`global() && name ends with "-prod"`,
	`!(env == "test") && version contains "1." && zone not in {"a", "b"}`,
}

// selectorLabels are label sets of pods, each matched by some of
// selectorTexts and not by others.
var selectorLabels = []selector.Map{
	{"app": "web", "tier": "frontend", "env": "prod", "projectcalico.org/orchestrator": "k8s"},
	{"app": "api", "role": "db", "env": "prod", "backup": "true", "team": "payments", "version": "1.4"},
	{"role": "cache", "env": "dev", "ephemeral": "true", "zone": "c", "tier": "backend"},
}

// BenchmarkSelectorParse parses selectors of every common form, the
// figure Calico's parser takes 5-7 µs for.
func BenchmarkSelectorParse(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := selector.Parse(selectorTexts[i%len(selectorTexts)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSelectorMatch matches parsed selectors against pod labels
// through selector.Map, as embedders without interned labels do.
func BenchmarkSelectorMatch(b *testing.B) {
	sels := make([]*selector.Selector, len(selectorTexts))
	for i, s := range selectorTexts {
		sels[i] = selector.MustParse(s)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		sels[i%len(sels)].Matches(selectorLabels[i%len(selectorLabels)])
	}
}
