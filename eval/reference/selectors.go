package reference

import (
	"fmt"
	"strings"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

// Replacements Calico makes in namespace and service-account selectors:
// all() there means "any namespaced entity" or "any entity with a service
// account", and global() means "any entity outside every namespace".
var (
	hasNamespace      = selector.MustParse("has(" + labelNamespace + ")")
	hasNoNamespace    = selector.MustParse("!has(" + labelNamespace + ")")
	hasServiceAccount = selector.MustParse("has(" + labelServiceAccount + ")")
)

// policySelector builds the selector a policy really applies with
// (calico-semantics 3.2). A namespaced kind selects only endpoints of its
// namespace. A global kind's namespaceSelector is matched against the
// pcns. labels endpoints inherit, with all() narrowed to namespaced
// endpoints. A serviceAccountSelector is matched against the pcsa. labels,
// with all() narrowed to endpoints that have a service account.
//
// Calico makes the all() replacements on the text of the whole combined
// selector, so they reach the policy's own selector too; Substitute on the
// combined tree does the same.
func policySelector(p *model.Policy) (*selector.Selector, error) {
	sel := p.Selector
	if p.Kind.Namespaced() {
		clause, err := equalsClause(labelNamespace, p.Namespace)
		if err != nil {
			return nil, err
		}
		sel = selector.And(sel, clause)
	} else if p.NamespaceSelector != nil {
		sel = selector.And(sel, p.NamespaceSelector.PrefixKeys(prefixNamespace)).Substitute(hasNamespace, nil)
	}
	if p.ServiceAccountSelector != nil {
		sel = selector.And(sel, p.ServiceAccountSelector.PrefixKeys(prefixServiceAccount)).Substitute(hasServiceAccount, nil)
	}
	if sel == nil {
		return selector.All(), nil
	}
	return sel, nil
}

// peerSelectors builds the effective selectors of one side of a rule
// (calico-semantics 4.3) in a policy of namespace ns ("" for global
// policies and profiles). positive is nil when the side has no positive
// part; negative is the notSelector, which Calico passes through unscoped.
func peerSelectors(er *model.EntityRule, ns string) (positive, negative *selector.Selector, err error) {
	var nsSel *selector.Selector
	switch {
	case er.NamespaceSelector != nil:
		nsSel = er.NamespaceSelector.PrefixKeys(prefixNamespace).Substitute(hasNamespace, hasNoNamespace)
	case ns != "":
		if nsSel, err = equalsClause(labelNamespace, ns); err != nil {
			return nil, nil, err
		}
	}

	var saSel *selector.Selector
	if sa := er.ServiceAccounts; sa != nil {
		var parts []*selector.Selector
		if sa.Selector != nil {
			parts = append(parts, sa.Selector.PrefixKeys(prefixServiceAccount))
		}
		if len(sa.Names) > 0 {
			names, err := inClause(labelServiceAccount, sa.Names)
			if err != nil {
				return nil, nil, err
			}
			parts = append(parts, names)
		}
		if len(parts) > 0 {
			saSel = selector.And(parts...)
		}
	}

	var sel *selector.Selector
	if saSel != nil || er.Selector != nil {
		sel = selector.And(saSel, er.Selector)
	}

	// The namespace clause scopes the side only when the side says
	// something about identity; a rule with just ports or nets in a
	// NetworkPolicy still matches peers in every namespace and outside.
	positive = sel
	if nsSel != nil && (sel != nil || er.NotSelector != nil || er.NamespaceSelector != nil) {
		positive = selector.And(nsSel, sel)
	}
	return positive, er.NotSelector, nil
}

// equalsClause parses `key == "value"`, the clause Calico writes to pin a
// namespace.
func equalsClause(key, value string) (*selector.Selector, error) {
	q, err := quote(value)
	if err != nil {
		return nil, err
	}
	return selector.Parse(key + " == " + q)
}

// inClause parses `key in {"v1", "v2"}`, the clause Calico writes for a
// list of service-account names.
func inClause(key string, values []string) (*selector.Selector, error) {
	quoted := make([]string, len(values))
	for i, v := range values {
		q, err := quote(v)
		if err != nil {
			return nil, err
		}
		quoted[i] = q
	}
	return selector.Parse(key + " in {" + strings.Join(quoted, ", ") + "}")
}

// quote writes a selector string literal. The language has no escapes, so
// a value holding both quote characters cannot be written at all.
func quote(v string) (string, error) {
	switch {
	case !strings.Contains(v, `"`):
		return `"` + v + `"`, nil
	case !strings.Contains(v, `'`):
		return `'` + v + `'`, nil
	}
	return "", fmt.Errorf("name %q holds both quote characters and cannot appear in a selector", v)
}
