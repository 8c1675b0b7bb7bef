package conformance

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/verdictlabs/verdict/eval"
	"github.com/verdictlabs/verdict/eval/reference"
	"github.com/verdictlabs/verdict/model"
)

func TestFamily(t *testing.T) {
	cases := map[string]string{
		"v7-0000":       "v",
		"s12-0003":      "s",
		"netset-3-0001": "netset",
		"k8s-5-0000":    "k8s",
		"ipv6-2-0100":   "ipv6",
		"cnp-1-0000":    "cnp",
		"http-301-0000": "http",
		"custom42-1":    "custom",
		"12-x":          "12",
		"plain":         "plain",
	}
	for id, want := range cases {
		if got := Family(id); got != want {
			t.Errorf("Family(%q) = %q, want %q", id, got, want)
		}
	}
}

func TestOutcome(t *testing.T) {
	hit := model.Hit{Kind: model.KindNetworkPolicy, Tier: "default", Namespace: "ns1", Name: "p", Index: -1, Action: model.HitDeny}
	a := Outcome{Allowed: false, Trace: []model.Hit{hit}, PendingAllowed: true}
	if !a.Equal(Outcome{Trace: []model.Hit{hit}, PendingAllowed: true, PendingTrace: []model.Hit{}}) {
		t.Error("an empty trace differs from a missing one")
	}
	for _, b := range []Outcome{
		{Allowed: true, Trace: []model.Hit{hit}, PendingAllowed: true},
		{Trace: []model.Hit{hit}},
		{Trace: []model.Hit{hit, hit}, PendingAllowed: true},
		{PendingAllowed: true},
		{Trace: []model.Hit{hit}, PendingAllowed: true, PendingTrace: []model.Hit{hit}},
	} {
		if a.Equal(b) {
			t.Errorf("%v equals %v", a, b)
		}
	}
	if got, want := a.String(), "deny [default NetworkPolicy ns1/p #-1 deny]; pending allow []"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestRun(t *testing.T) {
	cases, err := ReadCases(strings.NewReader(strings.Join([]string{
		minimal,
		strings.Replace(minimal, "v1-0001", "v1-0002", 1),
		strings.Replace(minimal, "v1-0001", "http-1-0001", 1),
		strings.Replace(strings.Replace(minimal, "v1-0001", "v1-0003", 1), `"ip":"10.0.2.1"`, `"ip":"bad"`, 1),
		strings.Replace(strings.Replace(minimal, "v1-0001", "s1-0001", 1), `"verdict":"allow"`, `"verdict":"maybe"`, 1),
	}, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	// An engine that answers v1-0002 wrongly and fails on http-1-0001;
	// the last two cases never reach it.
	calls := 0
	engine := func(set model.Set) (eval.Evaluator, error) {
		calls++
		switch calls {
		case 2:
			return allowAll{}, nil
		case 3:
			return nil, errors.New("boom")
		}
		return ReferenceEngine(set)
	}
	r := Run(cases, engine)
	if calls != 3 {
		t.Errorf("engine called %d times, want 3", calls)
	}
	if r.Passed != 1 || r.Failed != 4 {
		t.Errorf("passed %d failed %d, want 1 and 4", r.Passed, r.Failed)
	}
	var ids []string
	for _, f := range r.Failures {
		ids = append(ids, f.Case.ID)
	}
	if want := []string{"v1-0002", "http-1-0001", "v1-0003", "s1-0001"}; !slices.Equal(ids, want) {
		t.Errorf("failures %v, want %v", ids, want)
	}
	for i, want := range []string{"expected: allow", "engine: boom", "dst (dst): ip:", "result.verdict"} {
		if !strings.Contains(r.Failures[i].String(), want) {
			t.Errorf("failure %q does not mention %q", r.Failures[i], want)
		}
	}
	if !strings.Contains(r.Failures[0].String(), "got:      deny [];") {
		t.Errorf("failure %q does not show what the engine said", r.Failures[0])
	}
	want := []string{"v: 1 of 3 agree", "s: 0 of 1 agree", "http: 0 of 1 agree", "1 of 5 cases agree"}
	if got := r.Summary(); !slices.Equal(got, want) {
		t.Errorf("Summary() = %q, want %q", got, want)
	}
}

func TestReferenceEngineReportsModelErrors(t *testing.T) {
	c := mustRead(t, strings.Replace(minimal, `"policies":[]`, `"policies":[{"name":"p","tier":"nosuch"}]`, 1))
	s, err := c.Build()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ReferenceEngine(s.Set); err == nil || !strings.Contains(err.Error(), "nosuch") {
		t.Errorf("error %v, want one naming the missing tier", err)
	}
}

// allowAll is an evaluator that allows every flow without enforcing
// anything, with empty traces.
type allowAll struct{}

func (allowAll) Evaluate(model.Flow) model.Verdict { return model.Verdict{} }
func (allowAll) Explain(model.Flow) model.Explanation {
	return model.Explanation{}
}
func (allowAll) EvaluateEndpoints(model.Flow, *model.Endpoint, *model.Endpoint) model.Verdict {
	return model.Verdict{}
}
func (allowAll) ExplainEndpoints(model.Flow, *model.Endpoint, *model.Endpoint) model.Explanation {
	return model.Explanation{}
}
func (allowAll) EvaluateDirection(*model.Endpoint, model.Direction, model.Flow) model.DirectionVerdict {
	return model.DirectionVerdict{}
}
func (allowAll) ExplainDirection(*model.Endpoint, model.Direction, model.Flow) (model.DirectionVerdict, model.Trace) {
	return model.DirectionVerdict{}, model.Trace{}
}

// lopsided answers EvaluateDirection differently from ExplainDirection.
type lopsided struct{ *reference.Evaluator }

func (lopsided) EvaluateDirection(*model.Endpoint, model.Direction, model.Flow) model.DirectionVerdict {
	return model.DirectionVerdict{}
}

// Answer asks every form of the question and refuses an evaluator whose
// forms disagree, even when the form it reports agrees with Calico.
func TestAnswerComparesForms(t *testing.T) {
	s, err := mustRead(t, minimal).Build()
	if err != nil {
		t.Fatal(err)
	}
	ref, err := reference.New(s.Set)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Answer(ref, s); err != nil {
		t.Fatalf("the reference: %v", err)
	}
	if _, err := Answer(lopsided{ref}, s); err == nil || !strings.Contains(err.Error(), "EvaluateDirection") {
		t.Errorf("error %v, want one naming EvaluateDirection", err)
	}
}
