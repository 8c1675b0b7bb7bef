package kube

import (
	"fmt"
	"sort"
	"strings"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

// calicoSelector converts a Kubernetes label selector to the Calico
// selector Calico's converter makes of it; nil means "not given". A pod
// selector starts with the clause limiting it to Kubernetes pods (so that
// host endpoints and network sets never match one), and a nil pod
// selector is that clause alone. A nil namespace selector is not given
// (a namespaced policy reads it as its own namespace) while an empty one
// is all(). Match labels come first, sorted by key, then the expressions
// in their order, all joined with &&; an unknown operator contributes
// nothing, as in Calico.
//
// Calico writes this as text and parses it; Verdict builds the same tree
// directly. The selector is built from fields, not written by a person,
// so the length limit on selector text does not apply: a NetworkPolicy
// with an In list of thousands of values converts, as in Calico (the
// bound on built selectors is model.MaxSelectorLength, which Set.Check
// holds). Conversion fails only for keys or values the API server would
// refuse, which validation reports at their own paths.
func calicoSelector(s *LabelSelector, pod bool) (*selector.Selector, error) {
	var terms []*selector.Selector
	add := func(sel *selector.Selector, err error) error {
		if err != nil {
			return fmt.Errorf("cannot convert the label selector to a Calico selector: %w", err)
		}
		terms = append(terms, sel)
		return nil
	}
	if pod {
		if err := add(selector.Equal(model.LabelOrchestrator, model.OrchestratorKubernetes)); err != nil {
			return nil, err
		}
	}
	if s == nil {
		if len(terms) == 0 {
			return nil, nil
		}
		return terms[0], nil
	}
	if !pod && s.IsEmpty() {
		return selector.All(), nil
	}
	keys := make([]string, 0, len(s.MatchLabels))
	for k := range s.MatchLabels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := add(quotable(s.MatchLabels[k], func() (*selector.Selector, error) { return selector.Equal(k, s.MatchLabels[k]) })); err != nil {
			return nil, err
		}
	}
	for _, e := range s.MatchExpressions {
		var err error
		switch e.Operator {
		case LabelSelectorOpIn, LabelSelectorOpNotIn:
			values := e.Values
			if len(values) == 0 {
				// Calico's text is "key in { '' }": the empty value.
				values = []string{""}
			}
			build := selector.In
			if e.Operator == LabelSelectorOpNotIn {
				build = selector.NotIn
			}
			err = add(quotable(strings.Join(values, ""), func() (*selector.Selector, error) { return build(e.Key, values...) }))
		case LabelSelectorOpExists:
			err = add(selector.Has(e.Key))
		case LabelSelectorOpDoesNotExist:
			has, herr := selector.Has(e.Key)
			if herr == nil {
				has = selector.Not(has)
			}
			err = add(has, herr)
		}
		if err != nil {
			return nil, err
		}
	}
	if len(terms) == 0 {
		// Calico's text is empty: the selector is not given.
		return nil, nil
	}
	return selector.And(terms...), nil
}

// quotable builds a clause whose values Calico's converter puts between
// single quotes: a value holding one cannot be converted, as Calico's text
// would not parse.
func quotable(values string, build func() (*selector.Selector, error)) (*selector.Selector, error) {
	if strings.Contains(values, "'") {
		return nil, fmt.Errorf("a value holds a single quote, which Calico's converted selector cannot carry")
	}
	return build()
}
