package compile

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/verdictlabs/verdict/selector"
)

// programFor compiles a selector in a fresh interner and interns the
// labels, as a batch of changes does.
// inlineProgramFor compiles s and looks labels up without interning them,
// as inline endpoints are: values never seen take unknownID, keys never
// seen are dropped.
func inlineProgramFor(s *selector.Selector, labels map[string]string) (selProg, labelSet) {
	in := newInterner()
	e := in.edit()
	prog := compileSelector(s, e)
	in = e.done()
	var inline labelSet
	for k, v := range labels {
		kid, ok := in.lookup(k)
		if !ok {
			continue
		}
		vid, ok := in.lookup(v)
		if !ok {
			vid = unknownID
		}
		inline = append(inline, label{key: kid, val: vid, text: v})
	}
	sortLabels(inline)
	return prog, inline
}

func programFor(s *selector.Selector, labels map[string]string) (selProg, labelSet) {
	in := newInterner()
	e := in.edit()
	prog := compileSelector(s, e)
	ls := make(labelSet, 0, len(labels))
	for k, v := range labels {
		ls = append(ls, label{key: e.intern(k), val: e.intern(v), text: v})
	}
	sortLabels(ls)
	return prog, ls
}

// TestSelectorProgramsCalicoCases evaluates every valid selector of
// Calico's selector vectors against its label set: the compiled program
// must give Calico's answer.
func TestSelectorProgramsCalicoCases(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "..", "selector", "testdata", "selectors.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	var checked int
	for line := 1; sc.Scan(); line++ {
		var c struct {
			Selector string            `json:"selector"`
			Labels   map[string]string `json:"labels"`
			ParseOK  bool              `json:"parse_ok"`
			Match    bool              `json:"match"`
		}
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("line %d: %v", line, err)
		}
		if !c.ParseOK {
			continue
		}
		s, err := selector.Parse(c.Selector)
		if err != nil {
			t.Fatalf("line %d: %v", line, err)
		}
		prog, ls := programFor(s, c.Labels)
		if got := prog.matches(ls); got != c.Match {
			t.Errorf("line %d: %q on %v: program says %v, Calico %v", line, c.Selector, c.Labels, got, c.Match)
		}
		checked++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if checked < 10000 {
		t.Errorf("checked only %d valid selectors", checked)
	}
}

// TestSelectorProgramsRandom compares programs with selector.Matches on
// random selectors and label sets, including labels the program's
// interner has never seen (inline endpoints).
func TestSelectorProgramsRandom(t *testing.T) {
	g := newGen(7)
	for i := range 20000 {
		s := g.selector()
		labels := g.labels()
		prog, ls := programFor(s, labels)
		want := s.Matches(selector.Map(labels))
		if got := prog.matches(ls); got != want {
			t.Fatalf("case %d: %q on %v: program %v, selector %v", i, s, labels, got, want)
		}
		// The same labels looked up without interning: values never
		// seen take unknownID, keys never seen are dropped.
		prog, inline := inlineProgramFor(s, labels)
		if got := prog.matches(inline); got != want {
			t.Fatalf("case %d inline: %q on %v: program %v, selector %v", i, s, labels, got, want)
		}
	}
}

func TestSelectorProgramShapes(t *testing.T) {
	tests := []struct {
		sel    string
		labels map[string]string
		want   bool
	}{
		{`a == "x"`, map[string]string{"a": "x"}, true},
		{`a == "x"`, map[string]string{}, false},
		{`a != "x"`, map[string]string{}, true},
		{`a not in {"x"}`, map[string]string{}, true},
		{`a in {}`, map[string]string{"a": ""}, false},
		{`a not in {}`, map[string]string{"a": ""}, true},
		{`has(a)`, map[string]string{"a": ""}, true},
		{`!has(a)`, map[string]string{"a": ""}, false},
		{`a contains ""`, map[string]string{"a": ""}, true},
		{`a ends with "z"`, map[string]string{"a": "xyz"}, true},
		{`a starts with "y"`, map[string]string{"a": "xyz"}, false},
		{`global()`, nil, true},
		{`!all()`, nil, false},
		{`(a == "1" || b == "2") && !c == "3"`, map[string]string{"b": "2", "c": "4"}, true},
		{`(a == "1" || b == "2") && !c == "3"`, map[string]string{"b": "2", "c": "3"}, false},
		{`a in {"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}`, map[string]string{"a": "9"}, true},
	}
	for _, tt := range tests {
		prog, ls := programFor(selector.MustParse(tt.sel), tt.labels)
		if got := prog.matches(ls); got != tt.want {
			t.Errorf("%s on %v: got %v, want %v", tt.sel, tt.labels, got, tt.want)
		}
	}
}

// TestLabelSetFind covers short (scanned) and long (bisected) label sets.
func TestLabelSetFind(t *testing.T) {
	for n := range 20 {
		var ls labelSet
		for i := range n {
			ls = append(ls, label{key: uint32(2*i + 1), val: uint32(i)})
		}
		for k := range uint32(2*n + 2) {
			l, ok := ls.find(k)
			if want := k%2 == 1 && k < uint32(2*n); ok != want || ok && l.val != (k-1)/2 {
				t.Fatalf("n=%d find(%d) = %v, %v", n, k, l, ok)
			}
		}
	}
}
