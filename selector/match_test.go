package selector

import (
	"fmt"
	"sync"
	"testing"
)

// TestMatches walks the evaluation table of the language: each operator
// with the label present, present and empty, and absent.
func TestMatches(t *testing.T) {
	present := Map{"a": "xyz", "e": ""}
	tests := []struct {
		text string
		want bool // on present
	}{
		{`a == "xyz"`, true},
		{`a == "XYZ"`, false}, // no case folding
		{`e == ""`, true},
		{`z == ""`, false}, // absent is not empty
		{`a != "xyz"`, false},
		{`a != "q"`, true},
		{`e != ""`, false},
		{`z != "q"`, true}, // != holds when absent
		{`z != ""`, true},
		{`a in {"q", "xyz"}`, true},
		{`a in {"q"}`, false},
		{`a in {}`, false},
		{`z in {"q", ""}`, false},
		{`e in {""}`, true},
		{`a not in {"xyz"}`, false},
		{`a not in {"q"}`, true},
		{`a not in {}`, true},
		{`z not in {"q"}`, true}, // not in holds when absent
		{`a contains "y"`, true},
		{`a contains "q"`, false},
		{`a contains ""`, true},
		{`z contains ""`, false}, // "" acts like has()
		{`a starts with "xy"`, true},
		{`a starts with "yz"`, false},
		{`a ends with "yz"`, true},
		{`a ends with "xy"`, false},
		{`e ends with ""`, true},
		{`has(a)`, true},
		{`has(e)`, true}, // present with an empty value
		{`has(z)`, false},
		{`!has(z)`, true},
		{`all()`, true},
		{`global()`, true}, // the evaluator ignores global()
		{`!global()`, false},
		{`!a == "xyz"`, false},
		{`!!a == "xyz"`, true},
		{`!(!(a == "xyz"))`, true},
		{`!a in {"xyz"}`, false},
		{`has(a) && has(z)`, false},
		{`has(a) || has(z)`, true},
		{`has(z) || has(a) && has(e)`, true},
		{`(has(z) || has(a)) && !has(e)`, false},
		{`!(has(z) || has(q))`, true},
		{``, true},
	}
	for _, tt := range tests {
		s := MustParse(tt.text)
		if got := s.Matches(present); got != tt.want {
			t.Errorf("%q matches %v: got %v, want %v", tt.text, present, got, tt.want)
		}
	}
}

// TestMatchesEmptyLabels evaluates against no labels at all, in the three
// ways a caller can say so.
func TestMatchesEmptyLabels(t *testing.T) {
	tests := []struct {
		text string
		want bool
	}{
		{`a != "x"`, true},
		{`a not in {"x"}`, true},
		{`a == ""`, false},
		{`has(a)`, false},
		{`!has(a)`, true},
		{`all()`, true},
	}
	for _, tt := range tests {
		s := MustParse(tt.text)
		for _, l := range []Labels{nil, Map(nil), Map{}} {
			if got := s.Matches(l); got != tt.want {
				t.Errorf("%q on %#v: got %v, want %v", tt.text, l, got, tt.want)
			}
		}
	}
}

// sliceLabels is a Labels that is not a map, as a caller with its own label
// storage would provide.
type sliceLabels [][2]string

func (s sliceLabels) Get(key string) (string, bool) {
	for _, kv := range s {
		if kv[0] == key {
			return kv[1], true
		}
	}
	return "", false
}

func TestMatchesOtherLabels(t *testing.T) {
	s := MustParse(`app == "web" && tier in {"a", "b"} && !has(quarantine)`)
	if !s.Matches(sliceLabels{{"app", "web"}, {"tier", "b"}}) {
		t.Error("no match on slice labels")
	}
	if s.Matches(sliceLabels{{"app", "web"}, {"tier", "b"}, {"quarantine", ""}}) {
		t.Error("match despite quarantine")
	}
}

// TestMatchesAllocatesNothing holds Matches on a Map to zero allocations,
// for every kind of node.
func TestMatchesAllocatesNothing(t *testing.T) {
	labels := Map{"app": "web", "tier": "frontend", "env": "prod", "team": "a"}
	for _, text := range []string{
		`app == "web"`,
		`app == "web" && tier == "frontend" && env != "dev"`,
		`tier in {"backend", "frontend"} && env not in {"dev", "test"}`,
		`app starts with "w" && tier ends with "end" && team contains "a" && has(env) && !has(x)`,
		`(app == "x" || global()) && !(all() && has(y))`,
	} {
		s := MustParse(text)
		if allocs := testing.AllocsPerRun(100, func() { s.Matches(labels) }); allocs != 0 {
			t.Errorf("%q: %v allocations per Matches", text, allocs)
		}
	}
}

// TestConcurrentUse shares one selector among goroutines that match, print
// and analyse it while others parse; run with -race.
func TestConcurrentUse(t *testing.T) {
	s := MustParse(`app == "web" && (tier in {"a", "b"} || !has(x)) && env != "dev"`)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				labels := Map{"app": "web", "tier": "abc"[i%3 : i%3+1], "x": ""}
				want := i%3 != 2
				if got := s.Matches(labels); got != want {
					errs <- fmt.Errorf("goroutine %d: Matches(%v) = %v", g, labels, got)
					return
				}
				if i%50 == 0 {
					_ = s.String()
					_ = s.UniqueID()
					_ = s.Requirements()
					_ = s.PrefixKeys("p.").String()
					if _, err := Parse(fmt.Sprintf(`k%d == "v" && (a in {"x"} || has(b))`, g)); err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
