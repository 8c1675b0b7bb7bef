package conformance

import (
	"fmt"
	"slices"
	"strings"
)

// Failure is a case the engine disagreed on, or could not answer.
type Failure struct {
	Case *Case
	Want Outcome
	Got  Outcome
	Err  error // set when the case could not be built or answered
}

// String describes the failure on a few lines: the case, then what Calico
// said and what the engine said, or the error.
func (f Failure) String() string {
	where := fmt.Sprintf("line %d", f.Case.Line)
	if f.Case.File != "" {
		where = fmt.Sprintf("%s:%d", f.Case.File, f.Case.Line)
	}
	if f.Err != nil {
		return fmt.Sprintf("%s (%s): %v", f.Case.ID, where, f.Err)
	}
	return fmt.Sprintf("%s (%s):\n  expected: %s\n  got:      %s", f.Case.ID, where, f.Want, f.Got)
}

// FamilyCount is how many cases of one family agreed.
type FamilyCount struct {
	Family string
	Passed int
	Total  int
}

// Report is the result of running cases through an engine.
type Report struct {
	Families []FamilyCount // in the order of KnownFamilies, then any others by name
	Failures []Failure     // in input order
	Passed   int
	Failed   int
}

// KnownFamilies are the case families of Calico's vectors, in the order
// reports list them: v (enforced policies only), s (with staged policies),
// netset, k8s, ipv6, cnp, http, nport (named ports) and svc (services).
var KnownFamilies = []string{"v", "s", "netset", "k8s", "ipv6", "cnp", "http", "nport", "svc"}

// Family returns the family of a case id: the named families of the
// extended vectors ("netset-3-0001" is netset), or the first part of the
// id without its seed ("v7-0001" is v).
func Family(id string) string {
	first, _, _ := strings.Cut(id, "-")
	if slices.Contains(KnownFamilies, first) {
		return first
	}
	if f := strings.TrimRight(first, "0123456789"); f != "" {
		return f
	}
	return first
}

// Run builds every case, answers it with an evaluator the engine builds
// from the case's set (see Answer) and compares the outcome with
// Calico's.
func Run(cases []Case, engine Engine) Report {
	return RunWith(cases, func(_ *Case, s *Scenario) (Outcome, error) {
		ev, err := engine(s.Set)
		if err != nil {
			return Outcome{}, err
		}
		return Answer(ev, s)
	})
}

// Answerer answers a built case some other way than an evaluator in this
// process, such as through a server; an error counts as a disagreement.
type Answerer func(c *Case, s *Scenario) (Outcome, error)

// RunWith is Run with each case answered by answer, counted and reported
// the same way.
func RunWith(cases []Case, answer Answerer) Report {
	counts := make(map[string]*FamilyCount)
	var r Report
	for i := range cases {
		c := &cases[i]
		fam := Family(c.ID)
		fc := counts[fam]
		if fc == nil {
			fc = &FamilyCount{Family: fam}
			counts[fam] = fc
		}
		fc.Total++
		if f, ok := check(c, answer); !ok {
			r.Failures = append(r.Failures, f)
			r.Failed++
			continue
		}
		fc.Passed++
		r.Passed++
	}
	for _, fam := range KnownFamilies {
		if fc := counts[fam]; fc != nil {
			r.Families = append(r.Families, *fc)
			delete(counts, fam)
		}
	}
	others := make([]string, 0, len(counts))
	for fam := range counts {
		others = append(others, fam)
	}
	slices.Sort(others)
	for _, fam := range others {
		r.Families = append(r.Families, *counts[fam])
	}
	return r
}

// check answers one case; ok is false on a disagreement or an error.
func check(c *Case, answer Answerer) (Failure, bool) {
	want, err := c.Expected()
	if err != nil {
		return Failure{Case: c, Err: err}, false
	}
	s, err := c.Build()
	if err != nil {
		return Failure{Case: c, Want: want, Err: err}, false
	}
	got, err := answer(c, s)
	if err != nil {
		return Failure{Case: c, Want: want, Err: fmt.Errorf("engine: %w", err)}, false
	}
	if !want.Equal(got) {
		return Failure{Case: c, Want: want, Got: got}, false
	}
	return Failure{}, true
}

// FamilyLines gives one line per family: "v: 485 of 485 agree".
func (r Report) FamilyLines() []string {
	lines := make([]string, 0, len(r.Families))
	for _, f := range r.Families {
		lines = append(lines, fmt.Sprintf("%s: %d of %d agree", f.Family, f.Passed, f.Total))
	}
	return lines
}

// Summary gives the family lines and the total, "2333 of 2333 cases
// agree".
func (r Report) Summary() []string {
	return append(r.FamilyLines(), fmt.Sprintf("%d of %d cases agree", r.Passed, r.Passed+r.Failed))
}
