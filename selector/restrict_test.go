package selector

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRequirements(t *testing.T) {
	present := Requirement{MustBePresent: true}
	absent := Requirement{MustBeAbsent: true}
	values := func(v ...string) Requirement {
		if v == nil {
			v = []string{}
		}
		return Requirement{MustBePresent: true, Values: v}
	}
	tests := []struct {
		text string
		want Requirements
	}{
		// Leaves.
		{`a == "x"`, Requirements{"a": values("x")}},
		{`a in {"y", "x", "y"}`, Requirements{"a": values("x", "y")}},
		{`a in {}`, Requirements{"a": values()}},
		{`has(a)`, Requirements{"a": present}},
		{`a contains "x"`, Requirements{"a": present}},
		{`a starts with "x"`, Requirements{"a": present}},
		{`a ends with "x"`, Requirements{"a": present}},
		{`!has(a)`, Requirements{"a": absent}},
		{`a != "x"`, Requirements{}},
		{`a not in {"x"}`, Requirements{}},
		{`!a == "x"`, Requirements{}},
		{`!a in {"x"}`, Requirements{}},
		{`!(!has(a))`, Requirements{}}, // only a NOT directly over has() counts
		{`!!has(a)`, Requirements{"a": present}},
		{`all()`, Requirements{}},
		{`global()`, Requirements{}},
		{``, Requirements{}},
		// AND: flags combine with OR, values intersect.
		{`a == "x" && b == "y"`, Requirements{"a": values("x"), "b": values("y")}},
		{`has(a) && a in {"x", "y"}`, Requirements{"a": values("x", "y")}},
		{`a in {"x", "y", "z"} && a in {"y", "z", "w"}`, Requirements{"a": values("y", "z")}},
		{`a == "x" && a == "y"`, Requirements{"a": values()}},
		{`has(a) && !has(a)`, Requirements{"a": {MustBePresent: true, MustBeAbsent: true}}},
		{`a == "x" && a != "y"`, Requirements{"a": values("x")}},
		{`all() && (a == "v1" && has(a))`, Requirements{"a": values("v1")}},
		{`(a == "x" && b == "y") && c == "z"`, Requirements{"a": values("x"), "b": values("y"), "c": values("z")}},
		// OR: what every branch requires, values united.
		{`a == "x" || a == "y"`, Requirements{"a": values("x", "y")}},
		{`a == "x" || a in {"y", "x"}`, Requirements{"a": values("x", "y")}},
		{`a == "x" || has(a)`, Requirements{"a": present}},
		{`a == "x" || b == "y"`, Requirements{}},
		{`a == "x" || !has(a)`, Requirements{}},
		{`!has(a) || !has(a) && has(b)`, Requirements{"a": absent}},
		{`a in {} || a == "x"`, Requirements{"a": values("x")}},
		{`(a == "x" && b == "y") || (a == "z" && c == "w")`, Requirements{"a": values("x", "z")}},
		{`a == "x" || all()`, Requirements{}},
		{`(a == "x" || a == "y") && a in {"y", "z"}`, Requirements{"a": values("y")}},
		{`a == 'v2' || (has(b) && has(a))`, Requirements{"a": present}},
	}
	for _, tt := range tests {
		got := MustParse(tt.text).Requirements()
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Requirements(%q) (-want +got):\n%s", tt.text, diff)
		}
	}
}

// TestRequirementsHoldForMatches checks the defining property on the
// conformance vectors: a label set that matches satisfies every
// requirement.
func TestRequirementsHoldForMatches(t *testing.T) {
	checked := 0
	for _, c := range readConformance(t) {
		if !c.ParseOK || !*c.Match {
			continue
		}
		s := MustParse(c.Selector)
		for key, r := range s.Requirements() {
			v, ok := c.Labels[key]
			switch {
			case r.Impossible():
				t.Errorf("%q matches %v but its requirement on %q is impossible", c.Selector, c.Labels, key)
			case r.MustBePresent && !ok, r.MustBeAbsent && ok:
				t.Errorf("%q matches %v against requirement %+v on %q", c.Selector, c.Labels, r, key)
			case r.Values != nil && !contains(r.Values, v):
				t.Errorf("%q matches %v with %s=%q outside %q", c.Selector, c.Labels, key, v, r.Values)
			}
		}
		checked++
	}
	if checked < 5000 {
		t.Errorf("only %d matching cases checked", checked)
	}
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func TestRequirementsBelongToTheCaller(t *testing.T) {
	s := MustParse(`a in {"x", "y"}`)
	r := s.Requirements()
	r["a"].Values[0] = "changed"
	delete(r, "a")
	if diff := cmp.Diff(Requirements{"a": {MustBePresent: true, Values: []string{"x", "y"}}}, s.Requirements()); diff != "" {
		t.Errorf("changing one result changed the next (-want +got):\n%s", diff)
	}
	if got := s.String(); got != `a in {"x", "y"}` {
		t.Errorf("changing the result changed the selector: %s", got)
	}
}

func TestImpossible(t *testing.T) {
	tests := []struct {
		r    Requirement
		want bool
	}{
		{Requirement{}, false},
		{Requirement{MustBePresent: true}, false},
		{Requirement{MustBePresent: true, Values: []string{"x"}}, false},
		{Requirement{MustBePresent: true, Values: []string{}}, true},
		{Requirement{MustBePresent: true, MustBeAbsent: true}, true},
	}
	for _, tt := range tests {
		if got := tt.r.Impossible(); got != tt.want {
			t.Errorf("%+v.Impossible() = %v", tt.r, got)
		}
	}
}
