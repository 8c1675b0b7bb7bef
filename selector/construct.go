package selector

import (
	"fmt"
	"slices"
	"strings"
)

// Calico writes the clauses it adds to a policy or rule (the namespace a
// namespaced policy is pinned to, a rule's service-account names) as text
// and parses them. The constructors here build the same trees from the
// key and values directly, so nothing downstream of parsing formats a
// selector to read it again. Each refuses what no selector text can say,
// so its result always prints as text that parses back to it.

// Equal returns the selector key == "value".
func Equal(key, value string) (*Selector, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	if err := checkValue(value); err != nil {
		return nil, err
	}
	return newSelector(&CompareNode{Key: key, Op: OpEqual, Value: value}), nil
}

// In returns the selector key in {"v1", "v2", ...}, with the values sorted
// and de-duplicated as parsing does. No values gives "key in {}", which
// matches nothing.
func In(key string, values ...string) (*Selector, error) {
	return set(key, false, values)
}

// NotIn returns the selector key not in {"v1", "v2", ...}, with the values
// sorted and de-duplicated as parsing does. It matches a label set without
// the key too.
func NotIn(key string, values ...string) (*Selector, error) {
	return set(key, true, values)
}

func set(key string, negated bool, values []string) (*Selector, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	vs := slices.Clone(values)
	for _, v := range vs {
		if err := checkValue(v); err != nil {
			return nil, err
		}
	}
	slices.Sort(vs)
	return newSelector(&SetNode{Key: key, Negated: negated, Values: slices.Clip(slices.Compact(vs))}), nil
}

// Has returns the selector has(key).
func Has(key string) (*Selector, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	return newSelector(&HasNode{Key: key}), nil
}

// checkKey accepts the keys the tokenizer reads as one label.
func checkKey(key string) error {
	switch {
	case key == "":
		return fmt.Errorf("selector: empty label key")
	case len(key) > maxKeyLength:
		return fmt.Errorf("selector: label key is %d bytes long, more than the limit of %d", len(key), maxKeyLength)
	case scanKey(key, 0) != len(key):
		return fmt.Errorf(`selector: label key %q may only contain ASCII letters, digits, "_", ".", "/" and "-"`, clip(key))
	}
	return nil
}

// checkValue accepts the values a string literal can hold: anything
// without both quote characters, since the language has no escapes.
func checkValue(v string) error {
	if strings.Contains(v, `"`) && strings.Contains(v, `'`) {
		return fmt.Errorf("selector: value %q holds both quote characters and cannot be written in a selector", clip(v))
	}
	return nil
}
