package model

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
)

// Code classifies a Problem, so that programs can tell problems apart
// without reading their messages.
type Code string

// Problem codes.
const (
	// CodeDuplicate: two resources of one set, or two upserts of one
	// change, have the same key; which one was meant cannot be told.
	CodeDuplicate Code = "Duplicate"
	// CodeKind: a kind the model does not know, or one that does not fit
	// where it is used (a Profile in Policies).
	CodeKind Code = "Kind"
	// CodeName: an empty name.
	CodeName Code = "Name"
	// CodeNamespace: a namespace on a kind that has none, or none on a
	// kind that needs one.
	CodeNamespace Code = "Namespace"
	// CodeTier: a policy in a tier the set does not define.
	CodeTier Code = "Tier"
	// CodeAction: a rule without an action, or with one Calico does not
	// have. Calico's validator requires one; reading none as Allow would
	// open what Calico keeps closed.
	CodeAction Code = "Action"
	// CodeValue: any other value Calico's validator refuses.
	CodeValue Code = "Value"
)

// Problem is one thing wrong with a resource, or with a key a change
// deletes.
type Problem struct {
	Key Key
	// Field is the path of the value in the resource, as Calico's
	// resources spell it (ingress[0].action); "" for the resource itself.
	Field string
	Code  Code
	Msg   string
}

// String gives "Kind namespace/name: field: message".
func (p Problem) String() string {
	key := p.Key.String()
	if p.Key.Name == "" {
		key += `""`
	}
	if p.Field == "" {
		return key + ": " + p.Msg
	}
	return key + ": " + p.Field + ": " + p.Msg
}

// CheckError lists every problem found in a set or a change. Evaluators
// return it, alone or wrapped, when they refuse one.
type CheckError struct {
	Problems []Problem
}

// Error gives the problems, one a line.
func (e *CheckError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Check reports whether the set holds only what Calico's validator and
// API would let reach the dataplane, with the rules of the policy
// package's loader that model values can express: every resource of a
// known kind, named, with a namespace exactly when its kind has one, and
// well formed (a rule has an action Calico knows; ports, ICMP and HTTP
// matches agree with the rule's protocol and direction; doNotTrack and
// preDNAT only as Calico allows them; addresses and networks are valid);
// no two resources of one kind with one key (a staged policy whose
// StagedAction is Delete takes part in nothing and is not counted); and
// every policy in a tier the set defines or a built-in one (an empty Tier
// means "default").
//
// The loader checks more of what a person wrote, which the model accepts:
// the syntax of names and label keys (the evaluators rely on none of it),
// one IP family across a v3 rule's nets (Calico's own conversions of
// Kubernetes policies mix them), and where a rule may name a service
// (Felix's answer for each place is defined, SPEC 7).
//
// It returns nil or a *CheckError with every problem, in the set's order.
// Both evaluators check every set they are given with it, and every
// change with Change.Check and the tier rule, so that they refuse the
// same sets.
func (s *Set) Check() error {
	var c checker
	seen := make(map[Key]bool, s.Len())
	for k, r := range s.Resources() {
		c.resource(k, r)
		if p, ok := r.(*Policy); ok && p.Kind.Staged() && p.StagedAction == StagedDelete {
			continue
		}
		if seen[k] {
			c.add(k, "", CodeDuplicate, "is defined twice")
		}
		seen[k] = true
	}
	tiers := s.tierNames()
	for i := range s.Policies {
		c.tier(&s.Policies[i], tiers)
	}
	return c.err()
}

// tierNames returns the names of the tiers a policy may be in.
func (s *Set) tierNames() map[string]bool {
	names := make(map[string]bool, len(s.Tiers)+3)
	for _, t := range BuiltinTiers() {
		names[t.Name] = true
	}
	for i := range s.Tiers {
		names[s.Tiers[i].Name] = true
	}
	return names
}

// checker gathers problems.
type checker struct {
	problems []Problem
}

func (c *checker) add(k Key, field string, code Code, format string, args ...any) {
	c.problems = append(c.problems, Problem{Key: k, Field: field, Code: code, Msg: fmt.Sprintf(format, args...)})
}

func (c *checker) err() error {
	if len(c.problems) == 0 {
		return nil
	}
	return &CheckError{Problems: c.problems}
}

// tier checks that a policy's tier exists; staged Deletes take part in
// nothing, so their tier does not matter.
func (c *checker) tier(p *Policy, tiers map[string]bool) {
	if p.Kind.Staged() && p.StagedAction == StagedDelete {
		return
	}
	if p.Tier != "" && !tiers[p.Tier] {
		c.add(p.Key(), "tier", CodeTier, "tier %q does not exist", p.Tier)
	}
}

// resource checks one resource on its own.
func (c *checker) resource(k Key, r any) {
	c.key(k)
	switch r := r.(type) {
	case *Tier:
		c.tierResource(k, r)
	case *Policy:
		c.policy(k, r)
	case *Profile:
		c.rules(k, r.Ingress, Ingress)
		c.rules(k, r.Egress, Egress)
	case *NetworkSet:
		for i, n := range r.Nets {
			c.net(k, "nets["+strconv.Itoa(i)+"]", n)
		}
	case *Endpoint:
		c.endpoint(k, r)
	case *Service:
		for i := range r.Slices {
			at := "slices[" + strconv.Itoa(i) + "]"
			c.addrs(k, at+".addresses", r.Slices[i].Addresses)
			c.ports(k, at+".ports", r.Slices[i].Ports, false)
		}
	}
}

// key checks what a key alone can say: its kind, name and namespace.
func (c *checker) key(k Key) {
	sc := kindScopes[k.Kind]
	switch {
	case sc == 0:
		c.add(k, "", CodeKind, "unknown kind %q", k.Kind)
	case sc == namespaced && k.Namespace == "":
		c.add(k, "", CodeNamespace, "a %s needs a namespace", k.Kind)
	case sc == global && k.Namespace != "":
		c.add(k, "", CodeNamespace, "a %s has no namespace, but %q is given", k.Kind, k.Namespace)
	}
	if k.Name == "" {
		c.add(k, "", CodeName, "the name is empty")
	}
}

func (c *checker) tierResource(k Key, t *Tier) {
	switch t.DefaultAction {
	case "", Deny, Pass:
	default:
		c.add(k, "defaultAction", CodeAction, "must be Deny or Pass, not %q", t.DefaultAction)
	}
	c.order(k, t.Order)
}

func (c *checker) order(k Key, order *float64) {
	if order != nil && (math.IsNaN(*order) || math.IsInf(*order, 0)) {
		c.add(k, "order", CodeValue, "must be a finite number, not %v", *order)
	}
}

func (c *checker) policy(k Key, p *Policy) {
	if !p.Kind.Known() {
		return // the key has said so
	}
	if !p.Kind.IsPolicy() {
		c.add(k, "", CodeKind, "%s is not a kind of policy", p.Kind)
		return
	}
	c.order(k, p.Order)
	c.policySelectors(k, p)
	for i, d := range p.Types {
		if d != Ingress && d != Egress {
			c.add(k, "types["+strconv.Itoa(i)+"]", CodeValue, "unknown policy type %q: want Ingress or Egress", d)
		} else if j := indexOf(p.Types, d); j < i {
			c.add(k, "types["+strconv.Itoa(i)+"]", CodeValue, "type %s is listed twice", d)
		}
	}
	switch {
	case p.StagedAction == "":
	case !p.Kind.Staged():
		c.add(k, "stagedAction", CodeValue, "only staged policies have one")
	case p.StagedAction != StagedSet && p.StagedAction != StagedDelete && p.StagedAction != StagedLearn && p.StagedAction != StagedIgnore:
		c.add(k, "stagedAction", CodeValue, "unknown staged action %q: want Set, Delete, Learn or Ignore", p.StagedAction)
	}
	if p.Kind.Namespaced() {
		if p.NamespaceSelector != nil {
			c.add(k, "namespaceSelector", CodeValue, "only global policies have one")
		}
		for _, f := range []struct {
			name string
			set  bool
		}{{"doNotTrack", p.DoNotTrack}, {"preDNAT", p.PreDNAT}, {"applyOnForward", p.ApplyOnForward}} {
			if f.set {
				c.add(k, f.name, CodeValue, "only global policies have one")
			}
		}
	}
	if p.DoNotTrack && p.PreDNAT {
		c.add(k, "preDNAT", CodeValue, "cannot be combined with doNotTrack")
	}
	if p.PreDNAT && (len(p.Egress) > 0 || indexOf(p.Types, Egress) >= 0) {
		c.add(k, "egress", CodeValue, "a preDNAT policy governs ingress only")
	}
	if (p.DoNotTrack || p.PreDNAT) && !p.ApplyOnForward {
		c.add(k, "applyOnForward", CodeValue, "must be true for a doNotTrack or preDNAT policy")
	}
	c.rules(k, p.Ingress, Ingress)
	c.rules(k, p.Egress, Egress)
}

func indexOf(ds []Direction, d Direction) int {
	for i, x := range ds {
		if x == d {
			return i
		}
	}
	return -1
}

func (c *checker) endpoint(k Key, e *Endpoint) {
	if k.Kind != KindWorkloadEndpoint && k.Kind != KindHostEndpoint {
		if k.Kind.Known() {
			c.add(k, "", CodeKind, "an endpoint is a WorkloadEndpoint or a HostEndpoint, not a %s", k.Kind)
		}
		return
	}
	c.addrs(k, "addresses", e.Addresses)
	c.ports(k, "ports", e.Ports, true)
	for i, name := range e.Profiles {
		if name == "" {
			c.add(k, "profiles["+strconv.Itoa(i)+"]", CodeName, "the name is empty")
		}
	}
}

// addrs checks addresses an entity owns: valid, without an IPv6 zone,
// which no flow address carries, and not IPv4-mapped, since a flow's
// address never is (PacketAddr): the entity would own no flow.
func (c *checker) addrs(k Key, at string, addrs []netip.Addr) {
	for i, a := range addrs {
		switch {
		case !a.IsValid() || a.Zone() != "":
			c.add(k, at+"["+strconv.Itoa(i)+"]", CodeValue, "%v is not an IP address without a zone", a)
		case a.Is4In6():
			c.add(k, at+"["+strconv.Itoa(i)+"]", CodeValue, "%v is IPv4-mapped: write it as %v, the address flows carry", a, a.Unmap())
		}
	}
}

// net checks one network: valid, and not an IPv4-mapped one that is an
// IPv4 network in Calico (UnmapPrefix), which no flow would fall in as
// written.
func (c *checker) net(k Key, at string, n netip.Prefix) {
	switch {
	case !n.IsValid():
		c.add(k, at, CodeValue, "is not a valid network")
	case UnmapPrefix(n) != n:
		c.add(k, at, CodeValue, "%v is IPv4-mapped: write it as %v, the network IPv4 flows fall in", n, UnmapPrefix(n))
	}
}

// ports checks the ports an endpoint declares (named) or a service
// slice serves (named or not).
func (c *checker) ports(k Key, at string, ports []EndpointPort, named bool) {
	for i, p := range ports {
		pat := at + "[" + strconv.Itoa(i) + "]"
		if named && p.Name == "" {
			c.add(k, pat+".name", CodeName, "the name is empty")
		}
		if p.Protocol != ProtoTCP && p.Protocol != ProtoUDP && p.Protocol != ProtoSCTP {
			c.add(k, pat+".protocol", CodeValue, "must be TCP, UDP or SCTP, not %s", ProtocolName(p.Protocol))
		}
		if p.Port == 0 {
			c.add(k, pat+".port", CodeValue, "must be 1 to 65535")
		}
	}
}
