package policy

// This file turns Calico v3 resources, decoded, into model values: what
// Calico's validator accepts, defaulted as Calico's API defaults it.

import (
	"net"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy/internal/resource"
)

// defaultNamespace is where calicoctl puts a namespaced Calico resource
// whose metadata names no namespace; the loader does the same.
const defaultNamespace = "default"

// Paths used by several kinds.
var (
	metaPath = resource.Root().Child("metadata")
	specPath = resource.Root().Child("spec")
)

// newCalicoReport starts the report of a Calico resource.
func newCalicoReport(kind model.Kind, meta *resource.ObjectMeta) *report {
	return &report{resource.Report{Kind: string(kind), Namespace: meta.Namespace, Name: meta.Name}}
}

// checkMeta checks what every Calico kind's metadata must satisfy: a
// namespace only on namespaced kinds, valid labels and annotation keys.
func (r *report) checkMeta(meta *resource.ObjectMeta, namespaced bool) {
	switch {
	case namespaced:
		if msg := resource.DNS1123Label(meta.Namespace); msg != "" {
			r.Errorf(metaPath.Child("namespace"), "%q %s", resource.Clip(meta.Namespace), msg)
		}
	case meta.Namespace != "":
		r.Errorf(metaPath.Child("namespace"), "must not be set: a %s has no namespace", r.Kind)
	}
	if len(meta.Labels) > 0 {
		r.checkLabels(metaPath.Child("labels"), meta.Labels)
	}
	if len(meta.Annotations) > 0 {
		r.checkAnnotations(metaPath.Child("annotations"), meta.Annotations)
	}
}

// tierFromV3 converts a Tier, applying Calico's defaults: order 1,000,000 and
// default action Deny, or for a built-in tier its fixed order and action,
// which it must keep when it gives them.
func (c *converter) tierFromV3(in *v3Tier) (model.Tier, *report) {
	r := newCalicoReport(model.KindTier, &in.Metadata)
	r.checkName(in.Metadata.Name, resource.DNS1123Label)
	r.checkMeta(&in.Metadata, false)

	var builtin *model.Tier
	for _, t := range model.BuiltinTiers() {
		if t.Name == in.Metadata.Name {
			builtin = &t
		}
	}
	out := model.Tier{Name: in.Metadata.Name}
	switch {
	case in.Spec.Order != nil:
		order := *in.Spec.Order
		out.Order = &order
		if builtin != nil && order != *builtin.Order {
			r.Errorf(specPath.Child("order"), "the built-in tier %s has order %v, not %v", builtin.Name, *builtin.Order, order)
		}
	case builtin != nil:
		out.Order = builtin.Order
	default:
		order := float64(model.DefaultTierOrder)
		out.Order = &order
	}

	at := specPath.Child("defaultAction")
	switch a := strings.ToLower(in.Spec.DefaultAction); {
	case in.Spec.DefaultAction == "" && builtin != nil:
		out.DefaultAction = builtin.DefaultAction
	case in.Spec.DefaultAction == "":
		out.DefaultAction = model.Deny
	case a == "deny" || a == "pass":
		out.DefaultAction = ruleActions[a]
		if string(out.DefaultAction) != in.Spec.DefaultAction {
			r.Warnf(at, "default action %q is spelled %q in Calico v3", in.Spec.DefaultAction, out.DefaultAction)
		}
		if builtin != nil && out.DefaultAction != builtin.DefaultAction {
			r.Errorf(at, "the built-in tier %s has default action %s, not %s", builtin.Name, builtin.DefaultAction, out.DefaultAction)
		}
	default:
		r.Errorf(at, "unknown default action %q: want Deny or Pass", resource.Clip(in.Spec.DefaultAction))
	}
	return out, r
}

// policyInput is what the four Calico policy kinds share, gathered so that
// one function converts them all.
type policyInput struct {
	kind   model.Kind
	meta   *resource.ObjectMeta
	spec   *v3PolicyCommon
	global *v3GlobalPolicySpec // nil for the namespaced kinds
	staged string              // spec.stagedAction as written
}

// globalPolicyFromV3 converts a GlobalNetworkPolicy or StagedGlobalNetworkPolicy.
// It returns false when the policy takes no part in the model: a staged
// Delete, which Calico never hands to its dataplane.
func (c *converter) globalPolicyFromV3(kind model.Kind, in *v3GlobalPolicy) (model.Policy, bool, *report) {
	return c.policyFromV3(policyInput{kind: kind, meta: &in.Metadata, spec: &in.Spec.v3PolicyCommon, global: &in.Spec, staged: in.Spec.StagedAction})
}

// namespacedPolicyFromV3 converts a NetworkPolicy or StagedNetworkPolicy, in
// namespace "default" when its metadata names none, as calicoctl does.
func (c *converter) namespacedPolicyFromV3(kind model.Kind, in *v3NamespacedPolicy) (model.Policy, bool, *report) {
	if in.Metadata.Namespace == "" {
		in.Metadata.Namespace = defaultNamespace
	}
	return c.policyFromV3(policyInput{kind: kind, meta: &in.Metadata, spec: &in.Spec.v3PolicyCommon, staged: in.Spec.StagedAction})
}

func (c *converter) policyFromV3(in policyInput) (model.Policy, bool, *report) {
	r := newCalicoReport(in.kind, in.meta)
	namespaced := in.global == nil
	if namespaced {
		r.checkName(in.meta.Name, namespacedPolicyName)
	} else {
		r.checkName(in.meta.Name, globalPolicyName)
	}
	r.checkMeta(in.meta, namespaced)

	out := model.Policy{
		Kind:             in.kind,
		Name:             in.meta.Name,
		Namespace:        in.meta.Namespace,
		Tier:             in.spec.Tier,
		Order:            in.spec.Order,
		PerformanceHints: r.performanceHints(in.spec.PerformanceHints),
	}
	if out.Tier == "" {
		out.Tier = model.TierDefault
	} else if msg := resource.DNS1123Label(out.Tier); msg != "" {
		r.Errorf(specPath.Child("tier"), "%q is not a tier name: it %s", resource.Clip(out.Tier), msg)
	}

	inSet := true
	if in.kind.Staged() {
		switch a := model.StagedAction(in.staged); a {
		case "":
			out.StagedAction = model.StagedSet
		case model.StagedSet, model.StagedLearn, model.StagedIgnore:
			out.StagedAction = a
		case model.StagedDelete:
			out.StagedAction = a
			inSet = false
			if fields := nonEmptySpecFields(in); len(fields) > 0 {
				r.Errorf(specPath, "must be empty but for tier when stagedAction is Delete; it sets %s", strings.Join(fields, ", "))
			}
			return out, false, r
		default:
			r.Errorf(specPath.Child("stagedAction"), "unknown staged action %q: want Set, Delete, Learn or Ignore", resource.Clip(in.staged))
		}
	}

	if noGlobal(r, in.spec.Selector, specPath.Child("selector")) {
		out.Selector, _ = c.selector(r, in.spec.Selector, specPath.Child("selector"))
	}
	if noGlobal(r, in.spec.ServiceAccountSelector, specPath.Child("serviceAccountSelector")) {
		out.ServiceAccountSelector, _ = c.selector(r, in.spec.ServiceAccountSelector, specPath.Child("serviceAccountSelector"))
	}
	scope := namespacedScope
	if g := in.global; g != nil {
		scope = globalScope
		if noGlobal(r, g.NamespaceSelector, specPath.Child("namespaceSelector")) {
			out.NamespaceSelector, _ = c.selector(r, g.NamespaceSelector, specPath.Child("namespaceSelector"))
		}
		out.DoNotTrack, out.PreDNAT, out.ApplyOnForward = g.DoNotTrack, g.PreDNAT, g.ApplyOnForward
	}

	ns := ""
	if scope == namespacedScope {
		ns = in.meta.Namespace
	}
	out.Ingress = c.rules(r, in.spec.Ingress, ruleContext{scope: scope, namespace: ns, dir: model.Ingress}, specPath.Child("ingress"))
	out.Egress = c.rules(r, in.spec.Egress, ruleContext{scope: scope, namespace: ns, dir: model.Egress}, specPath.Child("egress"))
	out.Types = r.policyTypes(in.spec.Types)
	if out.Types == nil {
		out.Types = defaultPolicyTypes(len(in.spec.Ingress) > 0, len(in.spec.Egress) > 0)
	}
	if in.global != nil {
		r.hostPolicyFlags(in.global, out.Types)
	}
	return out, inSet, r
}

// maxPolicyRules is Calico's limit on the rules of one direction.
const maxPolicyRules = 1024

// rules converts the rules of one direction of a policy or profile.
func (c *converter) rules(r *report, in []v3Rule, ctx ruleContext, at *resource.Path) []model.Rule {
	if len(in) == 0 {
		return nil
	}
	if len(in) > maxPolicyRules {
		r.Errorf(at, "has %d rules; Calico allows at most %d", len(in), maxPolicyRules)
	}
	out := make([]model.Rule, len(in))
	for i := range in {
		out[i] = c.rule(r, &in[i], ctx, at.Index(i))
	}
	return out
}

// policyTypes reads spec.types: Ingress and Egress, each at most once. An
// omitted or empty list gives nil, for the caller to default.
func (r *report) policyTypes(types []string) []model.Direction {
	if len(types) == 0 {
		return nil
	}
	at := specPath.Child("types")
	out := make([]model.Direction, 0, len(types))
	for i, t := range types {
		var d model.Direction
		switch strings.ToLower(t) {
		case "ingress":
			d = model.Ingress
		case "egress":
			d = model.Egress
		default:
			r.Errorf(at.Index(i), "unknown policy type %q: want Ingress or Egress", resource.Clip(t))
			continue
		}
		if string(d) != t {
			r.Warnf(at.Index(i), "policy type %q is spelled %q in Calico v3", t, d)
		}
		if slices.Contains(out, d) {
			r.Errorf(at.Index(i), "type %s is listed twice", d)
			continue
		}
		out = append(out, d)
	}
	return out
}

// hostPolicyFlags checks how doNotTrack, preDNAT and applyOnForward may
// combine: never doNotTrack with preDNAT; preDNAT only for ingress; and
// either of them only with applyOnForward.
func (r *report) hostPolicyFlags(g *v3GlobalPolicySpec, types []model.Direction) {
	if g.DoNotTrack && g.PreDNAT {
		r.Errorf(specPath.Child("preDNAT"), "cannot be combined with doNotTrack")
	}
	if g.PreDNAT {
		if len(g.Egress) > 0 {
			r.Errorf(specPath.Child("egress"), "a preDNAT policy cannot have egress rules")
		}
		if i := slices.Index(types, model.Egress); i >= 0 && len(g.Types) > 0 {
			r.Errorf(specPath.Child("types").Index(i), "a preDNAT policy cannot have type Egress")
		}
	}
	if (g.DoNotTrack || g.PreDNAT) && !g.ApplyOnForward {
		r.Errorf(specPath.Child("applyOnForward"), "must be true for a doNotTrack or preDNAT policy")
	}
}

// performanceHints reads spec.performanceHints; Calico knows one hint.
func (r *report) performanceHints(hints []string) []string {
	if len(hints) == 0 {
		return nil
	}
	at := specPath.Child("performanceHints")
	out := make([]string, 0, len(hints))
	for i, h := range hints {
		switch {
		case h != "AssumeNeededOnEveryNode":
			r.Errorf(at.Index(i), "unknown performance hint %q: want AssumeNeededOnEveryNode", resource.Clip(h))
		case slices.Contains(out, h):
			r.Errorf(at.Index(i), "hint %s is listed twice", h)
		default:
			out = append(out, h)
		}
	}
	return out
}

// nonEmptySpecFields names the spec fields a staged Delete sets, other
// than tier and stagedAction.
func nonEmptySpecFields(in policyInput) []string {
	var fields []string
	s := in.spec
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"order", s.Order != nil},
		{"selector", s.Selector != ""},
		{"serviceAccountSelector", s.ServiceAccountSelector != ""},
		{"types", len(s.Types) > 0},
		{"ingress", len(s.Ingress) > 0},
		{"egress", len(s.Egress) > 0},
		{"performanceHints", len(s.PerformanceHints) > 0},
	} {
		if f.set {
			fields = append(fields, f.name)
		}
	}
	if g := in.global; g != nil {
		for _, f := range []struct {
			name string
			set  bool
		}{
			{"namespaceSelector", g.NamespaceSelector != ""},
			{"doNotTrack", g.DoNotTrack},
			{"preDNAT", g.PreDNAT},
			{"applyOnForward", g.ApplyOnForward},
		} {
			if f.set {
				fields = append(fields, f.name)
			}
		}
	}
	return fields
}

// profileFromV3 converts a Profile. legacy tells that it came from a legacy
// translation, whose names Calico v3 would not accept (see
// checkEndpointName).
func (c *converter) profileFromV3(in *v3Profile, legacy bool) (model.Profile, *report) {
	r := newCalicoReport(model.KindProfile, &in.Metadata)
	r.checkEndpointName(in.Metadata.Name, legacy)
	r.checkMeta(&in.Metadata, false)
	r.checkLabels(specPath.Child("labelsToApply"), in.Spec.LabelsToApply)
	out := model.Profile{
		Name:          in.Metadata.Name,
		LabelsToApply: in.Spec.LabelsToApply,
	}
	out.Ingress = c.rules(r, in.Spec.Ingress, ruleContext{scope: profileScope, dir: model.Ingress}, specPath.Child("ingress"))
	out.Egress = c.rules(r, in.Spec.Egress, ruleContext{scope: profileScope, dir: model.Egress}, specPath.Child("egress"))
	return out, r
}

// networkSetFromV3 converts a NetworkSet (in namespace "default" when none is
// given, as calicoctl does) or a GlobalNetworkSet. Its nets are CIDRs or
// addresses; Calico does not insist that they be masked, and the model
// holds them masked.
func (c *converter) networkSetFromV3(kind model.Kind, in *v3NetworkSet) (model.NetworkSet, *report) {
	namespaced := kind == model.KindNetworkSet
	if namespaced && in.Metadata.Namespace == "" {
		in.Metadata.Namespace = defaultNamespace
	}
	r := newCalicoReport(kind, &in.Metadata)
	r.checkName(in.Metadata.Name, resource.DNS1123Subdomain)
	r.checkMeta(&in.Metadata, namespaced)
	if _, ok := in.Metadata.Labels[model.LabelNamespace]; ok {
		r.Errorf(metaPath.Child("labels").Key(model.LabelNamespace), "is reserved: Calico gives a namespaced set this label itself")
	}
	out := model.NetworkSet{Name: in.Metadata.Name, Namespace: in.Metadata.Namespace, Labels: in.Metadata.Labels}
	at := specPath.Child("nets")
	for i, s := range in.Spec.Nets {
		p, err := parseCIDROrIP(s)
		if err != nil {
			r.Errorf(at.Index(i), "%s", err)
			continue
		}
		out.Nets = append(out.Nets, p.Masked())
	}
	return out, r
}

// interfaceNameRE is a Linux interface name as Calico's validator allows.
var interfaceNameRE = regexp.MustCompile(`^[a-zA-Z0-9_.-]{1,15}$`)

// hostEndpointFromV3 converts a HostEndpoint. Its expected IPs are what make it
// a rule peer; a node is required, and an interface or expected IPs.
func (c *converter) hostEndpointFromV3(in *v3HostEndpoint, legacy bool) (model.Endpoint, *report) {
	r := newCalicoReport(model.KindHostEndpoint, &in.Metadata)
	r.checkEndpointName(in.Metadata.Name, legacy)
	r.checkMeta(&in.Metadata, false)
	s := &in.Spec
	if s.Node == "" {
		r.Errorf(specPath.Child("node"), "is required")
	}
	if s.InterfaceName == "" && len(s.ExpectedIPs) == 0 {
		r.Errorf(specPath.Child("interfaceName"), "is required when there are no expectedIPs")
	}
	if s.InterfaceName != "" && s.InterfaceName != "*" && !interfaceNameRE.MatchString(s.InterfaceName) {
		r.Errorf(specPath.Child("interfaceName"), "%q is not an interface name (or *)", resource.Clip(s.InterfaceName))
	}
	out := model.Endpoint{
		Kind:      model.KindHostEndpoint,
		Name:      in.Metadata.Name,
		Labels:    in.Metadata.Labels,
		Profiles:  r.profileRefs(s.Profiles, legacy),
		Ports:     r.endpointPorts(workloadPorts(s.Ports), specPath.Child("ports")),
		Node:      s.Node,
		Interface: s.InterfaceName,
	}
	for i, ip := range s.ExpectedIPs {
		a, err := parseIP(ip)
		if err != nil {
			r.Errorf(specPath.Child("expectedIPs").Index(i), "%s", err)
			continue
		}
		out.Addresses = append(out.Addresses, a)
	}
	return out, r
}

// containerIDRE is a container ID as Calico's validator allows.
var containerIDRE = regexp.MustCompile(`^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$`)

// workloadEndpointFromV3 converts a WorkloadEndpoint. Unlike the other
// namespaced kinds, a workload endpoint without a namespace keeps none:
// that is how Docker containers, which belong to no namespace, arrive.
func (c *converter) workloadEndpointFromV3(in *v3WorkloadEndpoint, legacy bool) (model.Endpoint, *report) {
	r := newCalicoReport(model.KindWorkloadEndpoint, &in.Metadata)
	r.checkEndpointName(in.Metadata.Name, legacy)
	r.checkMeta(&in.Metadata, in.Metadata.Namespace != "")
	s := &in.Spec
	for _, f := range []struct{ name, value string }{
		{"orchestrator", s.Orchestrator}, {"workload", s.Workload}, {"node", s.Node},
		{"pod", s.Pod}, {"endpoint", s.Endpoint}, {"serviceAccountName", s.ServiceAccountName},
	} {
		if f.value != "" {
			r.checkLegacyName(specPath.Child(f.name), f.value, legacy)
		}
	}
	if s.ContainerID != "" && !containerIDRE.MatchString(s.ContainerID) {
		r.Errorf(specPath.Child("containerID"), "%q is not a container ID", resource.Clip(s.ContainerID))
	}
	if s.InterfaceName != "" && !interfaceNameRE.MatchString(s.InterfaceName) {
		r.Errorf(specPath.Child("interfaceName"), "%q is not an interface name", resource.Clip(s.InterfaceName))
	}
	if s.MAC != "" {
		if _, err := net.ParseMAC(s.MAC); err != nil {
			r.Errorf(specPath.Child("mac"), "%q is not a MAC address", resource.Clip(s.MAC))
		}
	}
	out := model.Endpoint{
		Kind:           model.KindWorkloadEndpoint,
		Name:           in.Metadata.Name,
		Namespace:      in.Metadata.Namespace,
		Labels:         in.Metadata.Labels,
		Profiles:       r.profileRefs(s.Profiles, legacy),
		Ports:          r.endpointPorts(s.Ports, specPath.Child("ports")),
		ServiceAccount: s.ServiceAccountName,
		Orchestrator:   s.Orchestrator,
		Node:           s.Node,
		Interface:      s.InterfaceName,
		ContainerID:    s.ContainerID,
	}
	var networks []netip.Prefix
	for i, n := range s.IPNetworks {
		at := specPath.Child("ipNetworks").Index(i)
		p, err := strictNet(n)
		switch {
		case err != nil:
			r.Errorf(at, "%s", err)
		case !p.IsSingleIP():
			r.Errorf(at, "%s holds more than one address: a workload's networks are single addresses (/32 or /128)", p)
		default:
			networks = append(networks, p)
			out.Addresses = append(out.Addresses, p.Addr())
		}
	}
	for i, nat := range s.IPNATs {
		r.ipNAT(nat, networks, specPath.Child("ipNATs").Index(i))
	}
	for _, gw := range []struct{ name, value, family string }{
		{"ipv4Gateway", s.IPv4Gateway, "IPv4"}, {"ipv6Gateway", s.IPv6Gateway, "IPv6"},
	} {
		if gw.value == "" {
			continue
		}
		if a, err := parseIP(gw.value); err != nil || familyName(netip.PrefixFrom(a, a.BitLen())) != gw.family {
			r.Errorf(specPath.Child(gw.name), "%q is not an %s address", resource.Clip(gw.value), gw.family)
		}
	}
	for i, n := range s.AllowSpoofedSourcePrefixes {
		if _, err := parseCIDROrIP(n); err != nil {
			r.Errorf(specPath.Child("allowSpoofedSourcePrefixes").Index(i), "%s", err)
		}
	}
	return out, r
}

// ipNAT checks a 1:1 NAT of a workload: two addresses of one family, the
// internal one among the workload's own.
func (r *report) ipNAT(nat v3IPNAT, networks []netip.Prefix, at *resource.Path) {
	in, errIn := parseIP(nat.InternalIP)
	if errIn != nil {
		r.Errorf(at.Child("internalIP"), "%s", errIn)
	}
	ex, errEx := parseIP(nat.ExternalIP)
	if errEx != nil {
		r.Errorf(at.Child("externalIP"), "%s", errEx)
	}
	if errIn != nil || errEx != nil {
		return
	}
	if in.Is4() != ex.Is4() {
		r.Errorf(at.Child("externalIP"), "%s and the internal address %s are of different IP families", ex, in)
	}
	if !slices.ContainsFunc(networks, func(p netip.Prefix) bool { return p.Contains(in) }) {
		r.Errorf(at.Child("internalIP"), "%s is not one of the workload's ipNetworks", in)
	}
}

// profileRefs checks the profile names an endpoint lists; legacy and
// Docker names are allowed, as for profiles themselves.
func (r *report) profileRefs(names []string, legacy bool) []string {
	if len(names) == 0 {
		return nil
	}
	at := specPath.Child("profiles")
	for i, n := range names {
		r.checkLegacyName(at.Index(i), n, legacy)
	}
	return names
}
