package analysis

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/verdictlabs/verdict/eval"
	"github.com/verdictlabs/verdict/internal/calico"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

// Severity says how much a finding matters: a warning is most likely a
// mistake (lint exits 1), an info is worth knowing.
type Severity string

// Severities.
const (
	Warning Severity = "warning"
	Info    Severity = "info"
)

// Lint codes.
const (
	CodeSelectorMatchesNothing = "selector-matches-nothing"
	CodeSelectorMatchesAll     = "selector-matches-all"
	CodeNoEndpoints            = "no-endpoints"
	CodeRuleShadowed           = "rule-shadowed"
	CodeRuleAfterUnconditional = "rule-after-unconditional"
	CodeNamedPortUnknown       = "named-port-unknown"
	CodeTypesWithoutRules      = "types-without-rules"
	CodeLogOnly                = "log-only"
	CodeDNSUnreachable         = "dns-unreachable"
	CodeDNSCut                 = "dns-cut"
	CodeAPIServerCut           = "apiserver-cut"
	CodeDNSTargetUnknown       = "dns-target-unknown"
	CodeAPIServerTargetUnknown = "apiserver-target-unknown"
)

// Finding is one thing Lint reports, about one resource and, where it can
// say, one field of it. Path is the field in Calico v3 form (as `verdict
// convert` writes the resource): spec.selector, spec.ingress[1],
// spec.egress[0].destination.ports[0].
type Finding struct {
	Code      string     `json:"code"`
	Severity  Severity   `json:"severity"`
	File      string     `json:"file,omitempty"`
	Document  int        `json:"document,omitempty"`
	Kind      model.Kind `json:"kind,omitempty"`
	Namespace string     `json:"namespace,omitempty"`
	Name      string     `json:"name,omitempty"`
	Path      string     `json:"path,omitempty"`
	Message   string     `json:"message"`
	// Related names what the finding is about besides: the shadowing
	// rule, the endpoints cut off.
	Related []string `json:"related,omitempty"`
}

// LintOptions tune Lint.
type LintOptions struct {
	// Before, when set, is the set the input replaces: classes that
	// reached DNS or the API server there and no longer do are reported.
	Before *model.Set
	// DNSSelector picks the DNS servers among the endpoints, instead of
	// the slices of Service kube-system/kube-dns or the endpoints of
	// kube-system matching k8s-app == 'kube-dns'.
	DNSSelector *selector.Selector
	// APIServer is the API server's address and port (after DNAT), instead
	// of the EndpointSlices of Service default/kubernetes.
	APIServer netip.AddrPort
	// Origin says where a resource was read, to name it in findings; nil
	// leaves File and Document empty.
	Origin func(model.Key) (file string, document int)
	// Engine, when set, is the set's engine (eval.New of the same set),
	// which Lint then does not build again: a caller that has one spares
	// a compile of the whole set.
	Engine *eval.Engine
}

// Lint checks a set for what is most likely a mistake. The findings are
// sorted by file, document, path and code.
func Lint(set model.Set, opts LintOptions) ([]Finding, error) {
	return lint(set, opts, false)
}

// lint is Lint, with plain the slow way of matching selectors and walking
// label sets (see labelSets.plain), for tests to compare.
func lint(set model.Set, opts LintOptions, plain bool) ([]Finding, error) {
	eng := opts.Engine
	if eng == nil {
		var err error
		if eng, err = eval.New(set); err != nil {
			return nil, err
		}
	}
	l := &linter{set: &set, opts: opts, eng: eng, w: newWorld(&set)}
	l.tiers, l.policies = walk(&set)
	for _, pi := range l.policies {
		if pi.err != nil {
			return nil, fmt.Errorf("%s: %w", pi.p.Key(), pi.err)
		}
	}
	l.ls = newLabelSets(l.w)
	l.ls.plain = plain
	l.run()
	slices.SortStableFunc(l.out, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Document, b.Document),
			comparePaths(a.Path, b.Path), cmp.Compare(a.Code, b.Code), cmp.Compare(a.Message, b.Message))
	})
	return l.out, nil
}

// comparePaths orders field paths with indexes compared as numbers, so
// spec.ingress[2] comes before spec.ingress[10].
func comparePaths(a, b string) int {
	for a != "" && b != "" {
		ai := strings.IndexAny(a, "0123456789")
		bi := strings.IndexAny(b, "0123456789")
		if ai < 0 || bi < 0 || a[:ai] != b[:bi] {
			return cmp.Compare(a, b)
		}
		a, b = a[ai:], b[bi:]
		an := len(a) - len(strings.TrimLeft(a, "0123456789"))
		bn := len(b) - len(strings.TrimLeft(b, "0123456789"))
		x, _ := strconv.Atoi(a[:an])
		y, _ := strconv.Atoi(b[:bn])
		if c := cmp.Compare(x, y); c != 0 {
			return c
		}
		a, b = a[an:], b[bn:]
	}
	return cmp.Compare(a, b)
}

type linter struct {
	set      *model.Set
	opts     LintOptions
	eng      *eval.Engine
	w        *world
	ls       *labelSets
	tiers    []*tierWalk
	policies []*policyInfo
	out      []Finding
}

func (l *linter) add(f Finding) {
	if l.opts.Origin != nil && f.Kind != "" {
		f.File, f.Document = l.opts.Origin(model.Key{Kind: f.Kind, Namespace: f.Namespace, Name: f.Name})
	}
	l.out = append(l.out, f)
}

func (l *linter) policyFinding(pi *policyInfo, code string, sev Severity, path, msg string, related ...string) {
	l.add(Finding{Code: code, Severity: sev, Kind: pi.p.Kind, Namespace: pi.p.Namespace, Name: pi.p.Name, Path: path, Message: msg, Related: related})
}

func (l *linter) run() {
	l.checkRuleLists()
	if len(l.set.Endpoints) == 0 {
		l.add(Finding{Code: CodeNoEndpoints, Severity: Info, Message: "the input holds no endpoints: the checks that need them (selectors, shadowed rules, named ports, DNS) were skipped"})
		l.checkUnconditional(nil)
		return
	}
	l.checkSelectors()
	l.checkNamedPorts()
	shadowed := l.checkShadows()
	l.checkUnconditional(shadowed)
	l.checkReach()
}

// rulePath is the field path of a rule.
func rulePath(ri *ruleInfo) string {
	return fmt.Sprintf("spec.%s[%d]", dirField(ri.dir), ri.index)
}

// ruleName names a rule in messages and Related.
func ruleName(ri *ruleInfo) string {
	p := ri.pol.p
	return fmt.Sprintf("%s %s %s (tier %s)", p.Kind, qualifiedName(p.Namespace, p.Name), rulePath(ri), cmp.Or(p.Tier, model.TierDefault))
}

func qualifiedName(ns, name string) string {
	if ns == "" {
		return name
	}
	return ns + "/" + name
}

// checkRuleLists reports directions governed without rules, or with only
// Log rules in a tier that denies by default.
func (l *linter) checkRuleLists() {
	defaults := map[string]model.Action{}
	for _, tw := range l.tiers {
		defaults[tw.tier.Name] = tw.tier.DefaultAction
	}
	for _, pi := range l.policies {
		tier := cmp.Or(pi.p.Tier, model.TierDefault)
		for _, d := range []model.Direction{model.Ingress, model.Egress} {
			if !pi.p.Governs(d) {
				continue
			}
			rules := pi.rules[dirIndex(d)]
			if len(rules) == 0 {
				end := "denied by the tier's default action"
				if defaults[tier] == model.Pass {
					end = "passed to the next tier by the tier's default action"
				}
				l.policyFinding(pi, CodeTypesWithoutRules, Info, "spec.types",
					fmt.Sprintf("governs %s but has no %s rules: %s traffic of the endpoints it selects that no earlier policy decides is %s (tier %s)", d, dirField(d), dirField(d), end, tier))
				continue
			}
			if defaults[tier] == model.Pass {
				continue
			}
			if !slices.ContainsFunc(rules, func(ri *ruleInfo) bool { return calico.VerbOf(ri.r.Action) != calico.VerbLog }) {
				l.policyFinding(pi, CodeLogOnly, Warning, "spec."+dirField(d),
					fmt.Sprintf("has only Log rules for %s: they log and decide nothing, so the tier %s's default action denies the traffic they log", dirField(d), tier))
			}
		}
	}
}

// selectorField is the field of a rule side that holds its identity
// criteria, for paths.
func selectorField(er *model.EntityRule) string {
	switch {
	case er.Selector != nil:
		return "selector"
	case er.NamespaceSelector != nil:
		return "namespaceSelector"
	case er.ServiceAccounts != nil:
		return "serviceAccounts"
	}
	return "notSelector"
}

func policySelectorField(p *model.Policy) string {
	switch {
	case p.Selector != nil:
		return "spec.selector"
	case p.NamespaceSelector != nil:
		return "spec.namespaceSelector"
	case p.ServiceAccountSelector != nil:
		return "spec.serviceAccountSelector"
	}
	return "spec.selector"
}

func isAll(s *selector.Selector) bool { return s == nil || s.String() == "all()" }

// checkSelectors reports selectors matching nothing, and selectors other
// than all() matching every endpoint in their scope.
func (l *linter) checkSelectors() {
	for _, pi := range l.policies {
		p := pi.p
		sel := l.ls.match(pi.selects)
		if !l.ls.any(sel, l.ls.endpoint) {
			l.policyFinding(pi, CodeSelectorMatchesNothing, Warning, policySelectorField(p),
				fmt.Sprintf("the policy applies to no endpoint: its selector %q matches none", pi.selects.String()))
		} else if !isAll(p.Selector) {
			scopeOf := *p
			scopeOf.Selector = nil
			if scopeSel, err := calico.PolicySelector(&scopeOf); err == nil {
				if n, all := l.coversScope(sel, l.ls.match(scopeSel)); all && n > 1 {
					l.policyFinding(pi, CodeSelectorMatchesAll, Info, "spec.selector",
						fmt.Sprintf("selector %q matches every one of the %d endpoints in the policy's scope; all() says so plainly", p.Selector.String(), n))
				}
			}
		}
		for _, rules := range pi.rules {
			for _, ri := range rules {
				for _, side := range []struct {
					name string
					s    *sideInfo
				}{{"source", &ri.src}, {"destination", &ri.dst}} {
					s := side.s
					if s.pos == nil {
						continue
					}
					path := rulePath(ri) + "." + side.name + "." + selectorField(s.er)
					folded := l.ls.folded(s.pos, s.neg)
					if folded.count() == 0 {
						l.policyFinding(pi, CodeSelectorMatchesNothing, Warning, path,
							fmt.Sprintf("the rule's %s matches no endpoint or network set: its effective selector is %q", side.name, s.pos.String()))
						continue
					}
					if isAll(s.er.Selector) {
						continue
					}
					scope := *s.er
					scope.Selector = selector.All()
					if scopePos, _, err := calico.PeerSelectors(&scope, pi.ns, nil); err == nil && scopePos != nil {
						if n, all := l.coversScope(folded, l.ls.match(scopePos)); all && n > 1 {
							l.policyFinding(pi, CodeSelectorMatchesAll, Info, rulePath(ri)+"."+side.name+".selector",
								fmt.Sprintf("selector %q matches every one of the %d endpoints in its scope; all() says so plainly", s.er.Selector.String(), n))
						}
					}
				}
			}
		}
	}
}

// coversScope counts the endpoints in scope and reports whether sel
// matches every one of them.
func (l *linter) coversScope(sel, scope setIDs) (int, bool) {
	n := 0
	for _, s := range scope {
		if l.ls.endpoints[s] == 0 {
			continue
		}
		n += l.ls.endpoints[s]
		if !sel.has(int(s)) {
			return n, false
		}
	}
	return n, true
}

// checkNamedPorts reports named ports no endpoint the rule side can match
// declares with a protocol the rule allows.
func (l *linter) checkNamedPorts() {
	for _, pi := range l.policies {
		for _, rules := range pi.rules {
			for _, ri := range rules {
				for _, side := range []struct {
					name string
					s    *sideInfo
				}{{"source", &ri.src}, {"destination", &ri.dst}} {
					for _, list := range []struct {
						field string
						ports []model.Port
					}{{"ports", side.s.er.Ports}, {"notPorts", side.s.er.NotPorts}} {
						for k, p := range list.ports {
							if p.Name == "" || l.declares(side.s, p.Name, ri.r.Protocol) {
								continue
							}
							l.policyFinding(pi, CodeNamedPortUnknown, Warning,
								fmt.Sprintf("%s.%s.%s[%d]", rulePath(ri), side.name, list.field, k),
								fmt.Sprintf("no endpoint the rule's %s can match declares a port named %q%s, so it matches no port", side.name, p.Name, protocolWords(ri.r.Protocol)))
						}
					}
				}
			}
		}
	}
}

func protocolWords(p model.Protocol) string {
	if !p.IsSet() {
		return ""
	}
	return " for " + p.String()
}

func (l *linter) declares(s *sideInfo, name string, proto model.Protocol) bool {
	for _, ps := range l.ls.byPort[name] {
		if !namedPortProtocolAllowed(proto, ps.protocol) {
			continue
		}
		if s.pos == nil || l.ls.folded(s.pos, s.neg).intersects(ps.sets) {
			return true
		}
	}
	return false
}

// checkShadows reports rules an earlier rule takes every packet of, for
// every workload label set the policy applies to, and returns them.
func (l *linter) checkShadows() map[*ruleInfo]bool {
	check := &shadowCheck{ls: l.ls, declared: map[string][]model.EndpointPort{}, cache: map[[2]int]bool{}}
	// Each named port once per number and protocol: the checks ask
	// whether some endpoint declares it so, not which.
	seen := map[model.EndpointPort]bool{}
	for _, e := range l.w.endpoints {
		for _, p := range e.ep.Ports {
			if !seen[p] {
				seen[p] = true
				check.declared[p.Name] = append(check.declared[p.Name], p)
			}
		}
	}
	found := findShadows(l.tiers, l.ls, check)
	names := map[*ruleInfo]string{}
	shadowed := map[*ruleInfo]bool{}
	for _, pi := range l.policies {
		for _, rules := range pi.rules {
			for _, ri := range rules {
				bySet := found[ri]
				if len(bySet) == 0 {
					continue
				}
				var by []string
				all := true
				for _, e := range bySet {
					if e.by == nil {
						all = false
						break
					}
					n, ok := names[e.by]
					if !ok {
						n = ruleName(e.by)
						names[e.by] = n
					}
					if !slices.Contains(by, n) {
						by = append(by, n)
					}
				}
				if !all {
					continue
				}
				shadowed[ri] = true
				walk := "enforced"
				if pi.p.Kind.Staged() {
					walk = "pending"
				}
				l.policyFinding(pi, CodeRuleShadowed, Warning, rulePath(ri),
					fmt.Sprintf("the rule is never reached on the %s walk: for every endpoint the policy applies to, an earlier rule matches every packet this one does (%s)", walk, strings.Join(by, "; ")), by...)
			}
		}
	}
	return shadowed
}

// unconditional reports whether a rule has no criterion at all.
func unconditional(r *model.Rule) bool {
	return r.IPVersion == 0 && !r.Protocol.IsSet() && !r.NotProtocol.IsSet() && !hasType(r.ICMP) && !hasType(r.NotICMP) &&
		r.Source.IsZero() && r.Destination.IsZero() && r.HTTP == nil
}

// checkUnconditional reports rules after a criterion-less Allow, Deny or
// Pass of the same policy and direction, unless already reported
// shadowed.
func (l *linter) checkUnconditional(shadowed map[*ruleInfo]bool) {
	for _, pi := range l.policies {
		for _, rules := range pi.rules {
			var first *ruleInfo
			for _, ri := range rules {
				if first != nil && !shadowed[ri] {
					l.policyFinding(pi, CodeRuleAfterUnconditional, Warning, rulePath(ri),
						fmt.Sprintf("the rule comes after %s, a %s rule with no criteria, and can never match", rulePath(first), first.r.Action), ruleName(first))
				}
				if first == nil && calico.VerbOf(ri.r.Action) != calico.VerbLog && unconditional(ri.r) {
					first = ri
				}
			}
		}
	}
}
