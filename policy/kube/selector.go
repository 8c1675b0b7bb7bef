package kube

import (
	"fmt"
	"sort"
	"strings"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

// orchestratorClause limits a selector to Kubernetes pods: Calico puts
// it in front of every pod selector it converts, so that host endpoints and
// network sets never match one.
const orchestratorClause = model.LabelOrchestrator + " == '" + model.OrchestratorKubernetes + "'"

// selectorText writes a Kubernetes label selector as Calico's converter
// writes it. A pod selector starts with the orchestrator clause, and a nil
// pod selector is that clause alone. A nil namespace selector is "" (not
// given, which a namespaced policy reads as its own namespace) while an
// empty one is all(). Match labels come first, sorted by key, then the
// expressions in their order, all joined with &&; an unknown operator
// contributes nothing, as in Calico.
func selectorText(s *LabelSelector, pod bool) string {
	var terms []string
	if pod {
		terms = append(terms, orchestratorClause)
	}
	if s == nil {
		return strings.Join(terms, " && ")
	}
	if !pod && s.IsEmpty() {
		return "all()"
	}
	keys := make([]string, 0, len(s.MatchLabels))
	for k := range s.MatchLabels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		terms = append(terms, fmt.Sprintf("%s == '%s'", k, s.MatchLabels[k]))
	}
	for _, e := range s.MatchExpressions {
		values := strings.Join(e.Values, "', '")
		switch e.Operator {
		case LabelSelectorOpIn:
			terms = append(terms, fmt.Sprintf("%s in { '%s' }", e.Key, values))
		case LabelSelectorOpNotIn:
			terms = append(terms, fmt.Sprintf("%s not in { '%s' }", e.Key, values))
		case LabelSelectorOpExists:
			terms = append(terms, fmt.Sprintf("has(%s)", e.Key))
		case LabelSelectorOpDoesNotExist:
			terms = append(terms, fmt.Sprintf("! has(%s)", e.Key))
		}
	}
	return strings.Join(terms, " && ")
}

// calicoSelector converts a Kubernetes label selector to a parsed Calico
// selector (see selectorText); nil means "not given". Parsing fails
// only for keys or values the API server would refuse, which validation
// reports at their own paths.
func calicoSelector(s *LabelSelector, pod bool) (*selector.Selector, error) {
	text := selectorText(s, pod)
	if text == "" {
		return nil, nil
	}
	sel, err := selector.Parse(text)
	if err != nil {
		return nil, fmt.Errorf("cannot convert the label selector to a Calico selector: %w", err)
	}
	return sel, nil
}
