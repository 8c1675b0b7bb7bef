package policy

import (
	"strings"

	"github.com/verdictlabs/verdict/policy/internal/resource"
	"github.com/verdictlabs/verdict/selector"
)

// maxSelectorLength is the longest selector Calico's API stores in any
// selector field.
const maxSelectorLength = 1024

// converter turns decoded Calico resources into model values. One
// converter serves a whole load, so that a selector text that a thousand
// policies share is parsed once and the model holds one *Selector for it.
type converter struct {
	selectors map[string]*selector.Selector
}

func newConverter() *converter {
	return &converter{selectors: map[string]*selector.Selector{}}
}

// selector parses a selector field; "" means the field was not given and
// gives nil. A parse error is reported at the field with the selector's
// own byte offset and reason.
func (c *converter) selector(r *report, text string, at *resource.Path) (*selector.Selector, bool) {
	if text == "" {
		return nil, true
	}
	if s, ok := c.selectors[text]; ok {
		return s, true
	}
	if len(text) > maxSelectorLength {
		r.Errorf(at, "selector is %d bytes long; Calico allows at most %d", len(text), maxSelectorLength)
		return nil, false
	}
	s, err := selector.Parse(text)
	if err != nil {
		r.Errorf(at, "invalid selector %q: %s", resource.Clip(text), err)
		return nil, false
	}
	c.selectors[text] = s
	return s, true
}

// noGlobal reports a global() in a selector that may not hold one. Calico
// checks the text, not the parsed selector, so a string literal holding
// "global(" is refused too; Verdict does the same to accept exactly what
// Calico accepts.
func noGlobal(r *report, text string, at *resource.Path) bool {
	if strings.Contains(text, "global(") {
		r.Errorf(at, "global() can only be used in a rule's namespaceSelector")
		return false
	}
	return true
}
