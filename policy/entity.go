package policy

import (
	"net/netip"
	"strings"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy/internal/resource"
)

// Calico's limits on the lists of one side of a rule.
const (
	maxRuleNets  = 256
	maxRulePorts = 50
)

// entity converts and validates one side (source or destination) of a
// rule. pc is the rule's protocol, which decides what ports may appear;
// fam checks the IP family across both sides.
func (c *converter) entity(r *report, in *v3EntityRule, pc protoConstraint, fam *familyCheck, at *resource.Path) model.EntityRule {
	var out model.EntityRule
	// Paths are built only for fields that are given: most rules give few.
	if len(in.Nets) > 0 {
		out.Nets = r.ruleNets(in.Nets, false, fam, at.Child("nets"))
	}
	if len(in.NotNets) > 0 {
		out.NotNets = r.ruleNets(in.NotNets, true, fam, at.Child("notNets"))
	}
	if in.Selector != "" {
		sat := at.Child("selector")
		if noGlobal(r, in.Selector, sat) {
			out.Selector, _ = c.selector(r, in.Selector, sat)
		}
	}
	if in.NotSelector != "" {
		out.NotSelector, _ = c.selector(r, in.NotSelector, at.Child("notSelector"))
	}
	if in.NamespaceSelector != "" {
		nat := at.Child("namespaceSelector")
		var ok bool
		out.NamespaceSelector, ok = c.selector(r, in.NamespaceSelector, nat)
		if ok && strings.Contains(in.NamespaceSelector, "global(") && out.NamespaceSelector.String() != "global()" {
			r.Errorf(nat, "global() cannot be combined with anything else in a namespaceSelector")
		}
	}
	if len(in.Ports) > 0 {
		out.Ports = r.rulePorts(in.Ports, pc, at.Child("ports"))
	}
	if len(in.NotPorts) > 0 {
		out.NotPorts = r.rulePorts(in.NotPorts, pc, at.Child("notPorts"))
	}

	if sa := in.ServiceAccounts; sa != nil {
		out.ServiceAccounts = &model.ServiceAccountMatch{Names: sa.Names}
		out.ServiceAccounts.Selector, _ = c.selector(r, sa.Selector, at.Child("serviceAccounts").Child("selector"))
	}

	if s := in.Services; s != nil {
		sat := at.Child("services")
		if s.Name == "" {
			r.Errorf(sat.Child("name"), "is required")
		} else if msg := resource.DNS1123Subdomain(s.Name); msg != "" {
			r.Errorf(sat.Child("name"), "%q %s", resource.Clip(s.Name), msg)
		}
		if s.Namespace != "" {
			if msg := resource.DNS1123Subdomain(s.Namespace); msg != "" {
				r.Errorf(sat.Child("namespace"), "%q %s", resource.Clip(s.Namespace), msg)
			}
		}
		// A service stands for its own endpoints' addresses, so nothing
		// else may say which addresses the side has.
		for _, f := range []struct {
			name string
			set  bool
		}{
			{"nets", len(in.Nets) > 0},
			{"notNets", len(in.NotNets) > 0},
			{"selector", in.Selector != ""},
			{"notSelector", in.NotSelector != ""},
			{"namespaceSelector", in.NamespaceSelector != ""},
			{"serviceAccounts", in.ServiceAccounts != nil},
		} {
			if f.set {
				r.Errorf(at.Child(f.name), "cannot be combined with services")
			}
		}
		out.Services = &model.ServiceMatch{Name: s.Name, Namespace: s.Namespace}
	}
	return out
}

// ruleNets reads nets or notNets: CIDRs (or bare addresses) with no
// address bits beyond the prefix, of one IP family across the rule. A
// catch-all in notNets (0.0.0.0/0, ::/0) would make the rule match
// nothing of that family, and Calico refuses it.
func (r *report) ruleNets(nets []string, negated bool, fam *familyCheck, at *resource.Path) []netip.Prefix {
	if len(nets) > maxRuleNets {
		r.Errorf(at, "has %d entries; Calico allows at most %d", len(nets), maxRuleNets)
	}
	out := make([]netip.Prefix, 0, len(nets))
	for i, s := range nets {
		nat := at.Index(i)
		p, err := strictNet(s)
		if err != nil {
			r.Errorf(nat, "%s", err)
			continue
		}
		if negated && p.Bits() == 0 {
			r.Errorf(nat, "%s matches every address: a catch-all in notNets would make the rule match nothing, and Calico refuses it", p)
			continue
		}
		if fam.check(r, p, nat) {
			out = append(out, p)
		}
	}
	return out
}

// rulePorts reads ports or notPorts. Numeric ports need a protocol that
// has ports (TCP, UDP, SCTP); with no protocol, only named ports may be
// given (they match on whatever protocol the endpoint declares).
func (r *report) rulePorts(ports []v3Port, pc protoConstraint, at *resource.Path) []model.Port {
	if len(ports) > maxRulePorts {
		r.Errorf(at, "has %d entries; Calico allows at most %d", len(ports), maxRulePorts)
	}
	out := make([]model.Port, 0, len(ports))
	for i, p := range ports {
		pat := at.Index(i)
		port, ok := r.port(p, pat)
		if !ok {
			continue
		}
		switch {
		case pc.given && pc.valid && !pc.proto.SupportsPorts():
			r.Errorf(pat, "protocol %s has no ports: ports need protocol TCP, UDP or SCTP", pc.text)
			continue
		case !pc.given && port.Name == "":
			r.Errorf(pat, "port %s needs protocol TCP, UDP or SCTP; without a protocol only named ports may be given", p)
			continue
		}
		out = append(out, port)
	}
	return out
}
