package calico

import (
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

// Replacements Calico makes in namespace and service-account selectors:
// all() there means "any namespaced entity" or "any entity with a service
// account", and global() means "any entity outside every namespace".
var (
	hasNamespace      = mustHas(model.LabelNamespace)
	hasNoNamespace    = selector.Not(hasNamespace)
	hasServiceAccount = mustHas(model.LabelServiceAccount)
)

func mustHas(key string) *selector.Selector {
	s, err := selector.Has(key)
	if err != nil {
		panic(err)
	}
	return s
}

// PolicySelector builds the selector a policy really applies with
// (calico-semantics 3.2). A namespaced kind selects only endpoints of its
// namespace. A global kind's namespaceSelector is matched against the
// pcns. labels endpoints inherit, with all() narrowed to namespaced
// endpoints. A serviceAccountSelector is matched against the pcsa. labels,
// with all() narrowed to endpoints that have a service account.
//
// Calico makes the all() replacements on the text of the whole combined
// selector, so they reach the policy's own selector too; Substitute on the
// combined tree does the same.
func PolicySelector(p *model.Policy) (*selector.Selector, error) {
	sel := p.Selector
	if p.Kind.Namespaced() {
		clause, err := selector.Equal(model.LabelNamespace, p.Namespace)
		if err != nil {
			return nil, err
		}
		sel = selector.And(sel, clause)
	} else if p.NamespaceSelector != nil {
		sel = selector.And(sel, p.NamespaceSelector.PrefixKeys(model.PrefixNamespaceLabel)).Substitute(hasNamespace, nil)
	}
	if p.ServiceAccountSelector != nil {
		sel = selector.And(sel, p.ServiceAccountSelector.PrefixKeys(model.PrefixServiceAccountLabel)).Substitute(hasServiceAccount, nil)
	}
	if sel == nil {
		return selector.All(), nil
	}
	return sel, nil
}

// PeerSelectors builds the effective selectors of one side of a rule
// (calico-semantics 4.3) in a policy of namespace ns ("" for global
// policies and profiles). positive is nil when the side has no positive
// part; negative is the notSelector, which Calico passes through unscoped.
// clauses, when not nil, keeps the namespace clauses built so far, so a
// batch of rules builds each namespace's clause once.
func PeerSelectors(er *model.EntityRule, ns string, clauses *NamespaceClauses) (positive, negative *selector.Selector, err error) {
	var nsSel *selector.Selector
	switch {
	case er.NamespaceSelector != nil:
		nsSel = er.NamespaceSelector.PrefixKeys(model.PrefixNamespaceLabel).Substitute(hasNamespace, hasNoNamespace)
	case ns != "":
		if nsSel, err = clauses.Namespace(ns); err != nil {
			return nil, nil, err
		}
	}

	var saSel *selector.Selector
	if sa := er.ServiceAccounts; sa != nil {
		var parts []*selector.Selector
		if sa.Selector != nil {
			parts = append(parts, sa.Selector.PrefixKeys(model.PrefixServiceAccountLabel))
		}
		if len(sa.Names) > 0 {
			names, err := selector.In(model.LabelServiceAccount, sa.Names...)
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

// NamespaceClauses keeps the namespace clauses built for one batch: every
// rule side of a namespaced policy needs its namespace's, and building it
// once per namespace instead of once per side lets the sides share one
// tree. A nil *NamespaceClauses keeps nothing.
type NamespaceClauses map[string]*selector.Selector

// Namespace returns the clause `projectcalico.org/namespace == "ns"`.
func (c *NamespaceClauses) Namespace(ns string) (*selector.Selector, error) {
	if c == nil {
		return selector.Equal(model.LabelNamespace, ns)
	}
	if s, ok := (*c)[ns]; ok {
		return s, nil
	}
	s, err := selector.Equal(model.LabelNamespace, ns)
	if err != nil {
		return nil, err
	}
	if *c == nil {
		*c = NamespaceClauses{}
	}
	(*c)[ns] = s
	return s, nil
}
