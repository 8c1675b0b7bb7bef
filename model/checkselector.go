package model

import (
	"github.com/verdictlabs/verdict/selector"
)

// MaxSelectorLength bounds, in bytes of canonical form, every selector a
// set holds and the one a rule's service-account names become. Selector
// text a person writes has a tighter limit where it is read (1 KiB in a
// Calico resource, 64 KiB in selector.Parse); this bound is for the
// selectors built from other fields (a Kubernetes NetworkPolicy's In
// list, a service-account name list), which have no limit of their own
// in Calico but one the Kubernetes API sets: it stores no object over
// 1.5 MiB (etcd's default request limit) and takes no request over 3 MiB,
// and the canonical form of what one object's fields build is at most
// about 1.25 times that object's JSON (each `"v",` becomes `"v", `). No
// selector Calico builds from a resource the API accepted reaches 4 MiB;
// the bound keeps a hostile file from building one of hundreds.
const MaxSelectorLength = 4 << 20

// selectors checks what the evaluators build selectors from, so that
// building them cannot fail after Check passed: each selector's length,
// the service-account names of a rule side as a selector, and a
// namespaced policy's namespace as the clause that pins it there.
func (c *checker) selector(k Key, at string, s *selector.Selector) {
	if s != nil && len(s.String()) > MaxSelectorLength {
		c.add(k, at, CodeValue, "the selector is %d bytes long, more than the %d bytes any Calico resource can build (model.MaxSelectorLength)", len(s.String()), MaxSelectorLength)
	}
}

func (c *checker) sideSelectors(k Key, at string, e *EntityRule) {
	c.selector(k, at+".selector", e.Selector)
	c.selector(k, at+".notSelector", e.NotSelector)
	c.selector(k, at+".namespaceSelector", e.NamespaceSelector)
	sa := e.ServiceAccounts
	if sa == nil {
		return
	}
	c.selector(k, at+".serviceAccounts.selector", sa.Selector)
	if len(sa.Names) == 0 {
		return
	}
	names, err := selector.In(LabelServiceAccount, sa.Names...)
	if err != nil {
		c.add(k, at+".serviceAccounts.names", CodeValue, "%v", err)
		return
	}
	if len(names.String()) > MaxSelectorLength {
		c.add(k, at+".serviceAccounts.names", CodeValue, "the names make a selector of %d bytes, more than the %d bytes any Calico resource can build (model.MaxSelectorLength)", len(names.String()), MaxSelectorLength)
	}
}

func (c *checker) policySelectors(k Key, p *Policy) {
	c.selector(k, "selector", p.Selector)
	c.selector(k, "namespaceSelector", p.NamespaceSelector)
	c.selector(k, "serviceAccountSelector", p.ServiceAccountSelector)
	if p.Kind.Namespaced() && k.Namespace != "" {
		if _, err := selector.Equal(LabelNamespace, k.Namespace); err != nil {
			c.add(k, "", CodeNamespace, "the namespace cannot be written in a selector: %v", err)
		}
	}
}
