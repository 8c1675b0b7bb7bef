package policy

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy/internal/resource"
)

// DecodeRule decodes one projectcalico.org/v3 Rule object written in JSON,
// strictly (an unknown field is an error), and validates it as a rule of a
// GlobalNetworkPolicy. A rule on its own has no direction, so the checks
// that depend on one (no http in egress rules, services only on the
// remote side) are left to the policy that holds it.
//
// The error, when there is one, is Problems, with paths relative to the
// rule (destination.ports[0]). Warnings alone (an action spelled "allow")
// do not make an error.
func DecodeRule(data []byte) (model.Rule, error) {
	return decodeRule(data, ruleContext{scope: globalScope})
}

// DecodePolicyRule decodes a rule as DecodeRule does, but validates it as
// a rule of direction dir (model.Ingress or model.Egress) in a
// NetworkPolicy of the given namespace, or in a GlobalNetworkPolicy when
// namespace is empty: services then stand only on the remote side, and a
// service named without a namespace is an error in a global policy and a
// warning in a namespaced one, where it never matches (SPEC 7).
func DecodePolicyRule(data []byte, namespace string, dir model.Direction) (model.Rule, error) {
	ctx := ruleContext{scope: globalScope, dir: dir}
	if namespace != "" {
		ctx.scope, ctx.namespace = namespacedScope, namespace
	}
	return decodeRule(data, ctx)
}

func decodeRule(data []byte, ctx ruleContext) (model.Rule, error) {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return model.Rule{}, Problems{{Severity: SeverityError, Msg: "not a JSON rule: " + err.Error()}}
	}
	var dup *resource.DuplicateKeyError
	if errors.As(resource.CheckDuplicateKeys(data), &dup) {
		return model.Rule{}, Problems{{Severity: SeverityError, Path: dup.Path, Msg: fmt.Sprintf("key %q is given twice in one object", dup.Key)}}
	}
	var in v3Rule
	strict := resource.DecodeStrict(v, &in, false, resource.Root())
	r := &report{}
	out := newConverter().rule(r, &in, ctx, resource.Root())
	all := strict
	for _, p := range r.Problems {
		if !strict.Covers(p.Path) {
			all = append(all, p)
		}
	}
	if len(all.Errors()) > 0 {
		return model.Rule{}, all
	}
	return out, nil
}

// ruleScope is the kind of resource a rule belongs to; it decides what an
// empty service namespace means.
type ruleScope int

const (
	globalScope     ruleScope = iota // GlobalNetworkPolicy, its staged form, or a rule alone
	namespacedScope                  // NetworkPolicy and its staged form
	profileScope                     // Profile
)

// ruleContext says where a rule sits.
type ruleContext struct {
	scope     ruleScope
	namespace string          // the policy's namespace in namespacedScope
	dir       model.Direction // "" for a rule on its own
}

// protoConstraint is what a side's ports must agree with: the rule's
// protocol, when one was given and could be read.
type protoConstraint struct {
	given, valid bool
	proto        model.Protocol
	text         string // the protocol as written, for messages
}

// rule converts and validates one rule, reporting every problem at its
// path below at.
func (c *converter) rule(r *report, in *v3Rule, ctx ruleContext, at *resource.Path) model.Rule {
	var out model.Rule
	out.Action = r.action(in.Action, at)

	if in.IPVersion != nil {
		if v := *in.IPVersion; v != 4 && v != 6 {
			r.Errorf(at.Child("ipVersion"), "must be 4 or 6, not %d", v)
		} else {
			out.IPVersion = v
		}
	}

	var pc protoConstraint
	if in.Protocol != nil {
		pc.given, pc.text = true, in.Protocol.String()
		out.Protocol, pc.valid = r.protocol(in.Protocol, at.Child("protocol"))
		pc.proto = out.Protocol
	}
	notProtoOK := false
	if in.NotProtocol != nil {
		out.NotProtocol, notProtoOK = r.protocol(in.NotProtocol, at.Child("notProtocol"))
	}
	if pc.valid {
		r.icmpFamily(out.Protocol, out.IPVersion, "protocol", at)
	}
	if notProtoOK {
		r.icmpFamily(out.NotProtocol, out.IPVersion, "notProtocol", at)
	}

	if in.ICMP != nil {
		out.ICMP = r.icmp(in.ICMP, at.Child("icmp"))
		switch {
		case !pc.given:
			r.Errorf(at.Child("icmp"), "needs protocol ICMP or ICMPv6")
		case pc.valid && !isICMP(out.Protocol):
			r.Errorf(at.Child("icmp"), "needs protocol ICMP or ICMPv6, not %s", pc.text)
		}
	}
	if in.NotICMP != nil {
		out.NotICMP = r.icmp(in.NotICMP, at.Child("notICMP"))
	}

	fam := &familyCheck{ipVersion: out.IPVersion}
	out.Source = c.entity(r, &in.Source, pc, fam, at.Child("source"))
	out.Destination = c.entity(r, &in.Destination, pc, fam, at.Child("destination"))
	c.services(r, in, ctx, at)

	if in.HTTP != nil {
		hat := at.Child("http")
		if out.Action != "" && out.Action != model.Allow {
			r.Errorf(hat, "is only allowed on Allow rules, not %s", out.Action)
		}
		if pc.valid && out.Protocol.Number != model.ProtoTCP {
			r.Errorf(hat, "needs protocol TCP or none, not %s", pc.text)
		}
		if ctx.dir == model.Egress {
			r.Errorf(hat, "is not allowed in egress rules: HTTP matches apply to ingress only")
		}
		out.HTTP = r.httpMatch(in.HTTP, hat)
	}

	if in.Metadata != nil && len(in.Metadata.Annotations) > 0 {
		r.checkAnnotations(at.Child("metadata").Child("annotations"), in.Metadata.Annotations)
		out.Annotations = in.Metadata.Annotations
	}
	return out
}

// ruleActions are the actions of Calico v3, by lower-case spelling, and
// ruleActionsExact by Calico's own.
var (
	ruleActions = map[string]model.Action{
		"allow": model.Allow, "deny": model.Deny, "log": model.Log, "pass": model.Pass,
	}
	ruleActionsExact = map[string]model.Action{
		"Allow": model.Allow, "Deny": model.Deny, "Log": model.Log, "Pass": model.Pass,
	}
)

// action reads the action of the rule at rule. Calico v3 spells actions
// Allow, Deny, Log and Pass; older calicoctl accepted any case, so another
// case is read with a warning.
func (r *report) action(s string, rule *resource.Path) model.Action {
	if a, ok := ruleActionsExact[s]; ok {
		return a
	}
	at := rule.Child("action")
	a, ok := ruleActions[strings.ToLower(s)]
	switch {
	case s == "":
		r.Errorf(at, "is required: Allow, Deny, Log or Pass")
	case !ok:
		r.Errorf(at, "unknown action %q: want Allow, Deny, Log or Pass", resource.Clip(s))
	default:
		r.Warnf(at, "action %q is spelled %q in Calico v3", s, a)
	}
	return a
}

func isICMP(p model.Protocol) bool {
	return p.Number == model.ProtoICMP || p.Number == model.ProtoICMPv6
}

// icmpFamily checks that an ICMP protocol agrees with the rule's
// ipVersion: ICMP is IPv4's and ICMPv6 is IPv6's.
func (r *report) icmpFamily(p model.Protocol, ipVersion int, field string, at *resource.Path) {
	want := 0
	switch p.Number {
	case model.ProtoICMP:
		want = 4
	case model.ProtoICMPv6:
		want = 6
	}
	if want != 0 && ipVersion != 0 && ipVersion != want {
		r.Errorf(at.Child("ipVersion"), "must be %d (or left out) with %s %s", want, field, p)
	}
}

// icmp reads an icmp or notICMP match: type 0 to 254 (the kernel cannot
// match 255), code 0 to 255, and a code only with a type.
func (r *report) icmp(in *v3ICMP, at *resource.Path) *model.ICMPMatch {
	out := &model.ICMPMatch{}
	if in.Type != nil {
		if t := *in.Type; t < 0 || t > 254 {
			r.Errorf(at.Child("type"), "ICMP type %d is out of range 0 to 254", t)
		} else {
			v := uint8(t)
			out.Type = &v
		}
	}
	if in.Code != nil {
		if in.Type == nil {
			r.Errorf(at.Child("code"), "needs a type: an ICMP code cannot be matched without its type")
		}
		if c := *in.Code; c < 0 || c > 255 {
			r.Errorf(at.Child("code"), "ICMP code %d is out of range 0 to 255", c)
		} else {
			v := uint8(c)
			out.Code = &v
		}
	}
	return out
}

// services checks where a rule may name Kubernetes services: a
// destination in an egress rule, a source in an ingress rule, never with
// destination ports (a service brings its own), and, outside a namespaced
// policy, always with a namespace. In a namespaced policy a service without
// a namespace is a warning: Calico's documentation says it means the
// policy's namespace, but Calico looks up a service with an empty
// namespace, which no EndpointSlice has, so the rule never matches
// (SPEC 7).
func (c *converter) services(r *report, in *v3Rule, ctx ruleContext, at *resource.Path) {
	if s := in.Source.Services; s != nil {
		sat := at.Child("source").Child("services")
		if ctx.dir == model.Egress {
			r.Errorf(sat, "is not allowed in an egress rule's source: an egress rule names services as its destination")
		}
		if ctx.scope != namespacedScope && s.Namespace == "" && ctx.dir != model.Egress {
			r.Errorf(sat.Child("namespace"), "is required outside a namespaced policy")
		}
		if ctx.scope == namespacedScope && s.Namespace == "" {
			r.warnNoServiceNamespace(sat.Child("namespace"), s.Name, ctx.namespace)
		}
	}
	if s := in.Destination.Services; s != nil {
		dat := at.Child("destination")
		if ctx.dir == model.Ingress {
			r.Errorf(dat.Child("services"), "is not allowed in an ingress rule's destination: an ingress rule names services as its source")
		}
		if ctx.scope != namespacedScope && s.Namespace == "" && ctx.dir != model.Ingress {
			r.Errorf(dat.Child("services").Child("namespace"), "is required outside a namespaced policy")
		}
		if ctx.scope == namespacedScope && s.Namespace == "" {
			r.warnNoServiceNamespace(dat.Child("services").Child("namespace"), s.Name, ctx.namespace)
		}
		if len(in.Destination.Ports) > 0 {
			r.Errorf(dat.Child("ports"), "cannot be combined with services: a service's own ports are matched")
		}
		if len(in.Destination.NotPorts) > 0 {
			r.Errorf(dat.Child("notPorts"), "cannot be combined with services: a service's own ports are matched")
		}
	}
}

// warnNoServiceNamespace reports a service named without a namespace in a
// namespaced policy: the rule never matches, as in a cluster (SPEC 7).
func (r *report) warnNoServiceNamespace(at *resource.Path, name, ns string) {
	r.Warnf(at, "is empty, so this rule never matches: Calico looks service %q up with no namespace, not in the policy's; add namespace: %s", resource.Clip(name), ns)
}

// httpMatch reads an http match: methods without repeats; paths each with
// exactly one of exact and prefix, starting with "/" and holding no "?",
// "#" or space (a query or fragment is never part of a matched path).
func (r *report) httpMatch(in *v3HTTPMatch, at *resource.Path) *model.HTTPMatch {
	const maxItems, maxPath = 20, 1024
	out := &model.HTTPMatch{}
	if len(in.Methods) > maxItems {
		r.Errorf(at.Child("methods"), "has %d methods; Calico allows at most %d", len(in.Methods), maxItems)
	}
	seen := map[string]bool{}
	for i, m := range in.Methods {
		if seen[m] {
			r.Errorf(at.Child("methods").Index(i), "method %q is listed twice", resource.Clip(m))
			continue
		}
		seen[m] = true
		out.Methods = append(out.Methods, m)
	}
	if len(in.Paths) > maxItems {
		r.Errorf(at.Child("paths"), "has %d paths; Calico allows at most %d", len(in.Paths), maxItems)
	}
	for i, p := range in.Paths {
		pat := at.Child("paths").Index(i)
		field, value := "exact", p.Exact
		switch {
		case p.Exact != "" && p.Prefix != "":
			r.Errorf(pat, "sets both exact and prefix; a path match is one or the other")
			continue
		case p.Exact == "" && p.Prefix == "":
			r.Errorf(pat, "needs exact or prefix")
			continue
		case p.Prefix != "":
			field, value = "prefix", p.Prefix
		}
		if msg := httpPathProblem(value, maxPath); msg != "" {
			r.Errorf(pat.Child(field), "%q %s", resource.Clip(value), msg)
			continue
		}
		out.Paths = append(out.Paths, model.HTTPPath{Exact: p.Exact, Prefix: p.Prefix})
	}
	return out
}

func httpPathProblem(p string, maxLen int) string {
	switch {
	case len(p) > maxLen:
		return fmt.Sprintf("is longer than %d bytes", maxLen)
	case !strings.HasPrefix(p, "/"):
		return "must start with /"
	case strings.ContainsAny(p, "?# "):
		return "must not contain '?', '#' or a space"
	}
	return ""
}
