package kube

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/verdictlabs/verdict/selector"
)

// calicoText is the text Calico's converter writes for a label selector,
// kept here as the reference the built trees must equal.
func calicoText(s *LabelSelector, pod bool) string {
	var terms []string
	if pod {
		terms = append(terms, "projectcalico.org/orchestrator == 'k8s'")
	}
	if s == nil {
		return strings.Join(terms, " && ")
	}
	if !pod && s.IsEmpty() {
		return "all()"
	}
	var keys []string
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

// The built selector is the tree Calico gets by parsing its text, node for
// node, for every operator, for pod and namespace selectors, nil and empty.
func TestCalicoSelectorEqualsCalicosText(t *testing.T) {
	req := func(key string, op string, values ...string) LabelSelectorRequirement {
		return LabelSelectorRequirement{Key: key, Operator: op, Values: values}
	}
	selectors := []*LabelSelector{
		nil,
		{},
		{MatchLabels: map[string]string{"app": "web"}},
		{MatchLabels: map[string]string{"tier": "b", "app": "web", "z": ""}},
		{MatchExpressions: []LabelSelectorRequirement{req("app", LabelSelectorOpIn, "web", "api", "web")}},
		{MatchExpressions: []LabelSelectorRequirement{req("app", LabelSelectorOpIn)}},
		{MatchExpressions: []LabelSelectorRequirement{req("app", LabelSelectorOpNotIn, "x")}},
		{MatchExpressions: []LabelSelectorRequirement{req("app", LabelSelectorOpNotIn)}},
		{MatchExpressions: []LabelSelectorRequirement{req("app", LabelSelectorOpExists)}},
		{MatchExpressions: []LabelSelectorRequirement{req("app", LabelSelectorOpDoesNotExist)}},
		{MatchExpressions: []LabelSelectorRequirement{req("app", "Bogus", "x")}},
		{MatchLabels: map[string]string{"app": "web"}, MatchExpressions: []LabelSelectorRequirement{
			req("env", LabelSelectorOpIn, "prod", "dev"), req("x", LabelSelectorOpDoesNotExist), req("y", LabelSelectorOpExists), req("z", LabelSelectorOpNotIn, "1"),
		}},
	}
	for _, s := range selectors {
		for _, pod := range []bool{true, false} {
			got, err := calicoSelector(s, pod)
			if err != nil {
				t.Errorf("calicoSelector(%+v, %v): %v", s, pod, err)
				continue
			}
			text := calicoText(s, pod)
			if text == "" {
				if got != nil {
					t.Errorf("calicoSelector(%+v, %v) = %q, want none", s, pod, got)
				}
				continue
			}
			want := selector.MustParse(text)
			if got == nil || !reflect.DeepEqual(got.Root(), want.Root()) || got.String() != want.String() {
				t.Errorf("calicoSelector(%+v, %v) = %v, want %v (from %q)", s, pod, got, want, text)
			}
		}
	}
}

// Issue 20, point 7: a selector built from a long In list is not held to
// the limit on selector text a person writes (64 KiB); Calico has none.
func TestCalicoSelectorLongInList(t *testing.T) {
	values := make([]string, 6000)
	for i := range values {
		values[i] = fmt.Sprintf("value-%05d", i)
	}
	s := &LabelSelector{MatchExpressions: []LabelSelectorRequirement{{Key: "app", Operator: LabelSelectorOpIn, Values: values}}}
	got, err := calicoSelector(s, true)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(got.String()); n <= 64<<10 {
		t.Fatalf("the test needs a selector over 64 KiB, got %d bytes", n)
	}
	if !got.Matches(selector.Map{"projectcalico.org/orchestrator": "k8s", "app": "value-05999"}) {
		t.Error("the last value does not match")
	}
}

func TestCalicoSelectorRefusesSingleQuotes(t *testing.T) {
	for _, s := range []*LabelSelector{
		{MatchLabels: map[string]string{"app": "it's"}},
		{MatchExpressions: []LabelSelectorRequirement{{Key: "app", Operator: LabelSelectorOpIn, Values: []string{"ok", "it's"}}}},
	} {
		if _, err := calicoSelector(s, false); err == nil || !strings.Contains(err.Error(), "single quote") {
			t.Errorf("calicoSelector(%+v) = %v, want a single-quote error", s, err)
		}
	}
}
