package compile

import (
	"fmt"
	"strings"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

// Labels Calico adds to endpoints and namespaced network sets, and the
// prefixes under which namespace and service-account labels arrive.
const (
	labelNamespace      = "projectcalico.org/namespace"
	labelOrchestrator   = "projectcalico.org/orchestrator"
	labelServiceAccount = "projectcalico.org/serviceaccount"

	prefixNamespace      = "pcns."
	prefixServiceAccount = "pcsa."

	namespaceProfilePrefix = "kns."
)

// The clauses Calico substitutes into namespace and service-account
// selectors: all() there means "any namespaced entity" or "any entity with a
// service account", global() "any entity outside every namespace".
var (
	hasNamespace      = selector.MustParse("has(" + labelNamespace + ")")
	hasNoNamespace    = selector.MustParse("!has(" + labelNamespace + ")")
	hasServiceAccount = selector.MustParse("has(" + labelServiceAccount + ")")
)

// endpointLabels returns an endpoint's effective labels (SPEC 3): its own
// without pcns./pcsa. keys, which only profiles may give; the labels Calico
// adds, which overwrite own labels of the same key; then each profile's
// labels in order for keys still free. A profile that does not exist gives
// nothing.
func endpointLabels(ep *model.Endpoint, profileLabels func(name string) map[string]string) map[string]string {
	labels := make(map[string]string, len(ep.Labels)+3)
	for k, v := range ep.Labels {
		if strings.HasPrefix(k, prefixNamespace) || strings.HasPrefix(k, prefixServiceAccount) {
			continue
		}
		labels[k] = v
	}
	if ep.Namespace != "" {
		labels[labelNamespace] = ep.Namespace
	}
	if ep.Orchestrator != "" {
		labels[labelOrchestrator] = ep.Orchestrator
	}
	if ep.ServiceAccount != "" {
		labels[labelServiceAccount] = ep.ServiceAccount
	}
	inherit(labels, ep.Profiles, profileLabels)
	return labels
}

// networkSetLabels returns a network set's labels as rule selectors see
// them: a global set's own; a namespaced set's own plus its namespace and
// what the namespace's profile kns.<namespace> applies.
func networkSetLabels(ns *model.NetworkSet, profileLabels func(name string) map[string]string) map[string]string {
	labels := make(map[string]string, len(ns.Labels)+1)
	for k, v := range ns.Labels {
		labels[k] = v
	}
	if ns.Namespace == "" {
		return labels
	}
	labels[labelNamespace] = ns.Namespace
	inherit(labels, []string{namespaceProfilePrefix + ns.Namespace}, profileLabels)
	return labels
}

func inherit(labels map[string]string, profiles []string, profileLabels func(name string) map[string]string) {
	for _, name := range profiles {
		for k, v := range profileLabels(name) {
			if _, taken := labels[k]; !taken {
				labels[k] = v
			}
		}
	}
}

// networkSetProfiles names the profiles a network set inherits from, so a
// change to one of them finds the sets to relabel.
func networkSetProfiles(ns *model.NetworkSet) []string {
	if ns.Namespace == "" {
		return nil
	}
	return []string{namespaceProfilePrefix + ns.Namespace}
}

// policySelector is the selector a policy really applies with
// (calico-semantics 3.2): a namespaced kind is pinned to its namespace; a
// global kind's namespaceSelector is matched over pcns. labels, and a
// serviceAccountSelector over pcsa. labels. Calico makes its all()
// replacements on the text of the whole combined selector, so they reach
// the policy's own selector too; Substitute on the combined tree does the
// same.
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

// peerSelectors builds one side's effective selectors (calico-semantics
// 4.3) in a policy of namespace ns ("" for global policies and profiles).
// positive is nil when the side says nothing positive about identity;
// negative is the notSelector, which Calico passes on unscoped.
func peerSelectors(er *model.EntityRule, ns string, clauses *clauseCache) (positive, negative *selector.Selector, err error) {
	var nsSel *selector.Selector
	switch {
	case er.NamespaceSelector != nil:
		nsSel = er.NamespaceSelector.PrefixKeys(prefixNamespace).Substitute(hasNamespace, hasNoNamespace)
	case ns != "":
		if nsSel, err = clauses.namespace(ns); err != nil {
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
	// The namespace clause scopes a side only when the side says something
	// about identity: ports or nets alone in a NetworkPolicy still match
	// peers anywhere.
	positive = sel
	if nsSel != nil && (sel != nil || er.NotSelector != nil || er.NamespaceSelector != nil) {
		positive = selector.And(nsSel, sel)
	}
	return positive, er.NotSelector, nil
}

// clauseCache keeps the namespace clauses built for one batch: every rule
// side of a namespaced policy needs its namespace's, and parsing it once
// per namespace instead of once per side saves most of a cold compile's
// parsing.
type clauseCache map[string]*selector.Selector

func (c *clauseCache) namespace(ns string) (*selector.Selector, error) {
	if s, ok := (*c)[ns]; ok {
		return s, nil
	}
	s, err := equalsClause(labelNamespace, ns)
	if err != nil {
		return nil, err
	}
	if *c == nil {
		*c = clauseCache{}
	}
	(*c)[ns] = s
	return s, nil
}

// equalsClause builds `key == "value"`, the clause pinning a namespace.
func equalsClause(key, value string) (*selector.Selector, error) {
	q, err := quote(value)
	if err != nil {
		return nil, err
	}
	return selector.Parse(key + " == " + q)
}

// inClause builds `key in {"v1", ...}`, the clause listing service
// accounts.
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

// quote writes a selector literal; the language has no escapes, so a value
// with both quote characters cannot be written.
func quote(v string) (string, error) {
	switch {
	case !strings.Contains(v, `"`):
		return `"` + v + `"`, nil
	case !strings.Contains(v, `'`):
		return `'` + v + `'`, nil
	}
	return "", fmt.Errorf("name %q holds both quote characters and cannot appear in a selector", v)
}
