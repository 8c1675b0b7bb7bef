package analysis

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/verdictlabs/verdict/internal/calico"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

// Ref names a resource in answers.
type Ref struct {
	Kind      model.Kind `json:"kind"`
	Namespace string     `json:"namespace,omitempty"`
	Name      string     `json:"name"`
}

func refOf(k model.Key) Ref { return Ref{Kind: k.Kind, Namespace: k.Namespace, Name: k.Name} }

// Key gives the model key.
func (r Ref) Key() model.Key { return model.Key{Kind: r.Kind, Namespace: r.Namespace, Name: r.Name} }

// String gives "Kind ns/name" or "Kind name".
func (r Ref) String() string { return r.Key().String() }

// NotFoundError says a query named nothing in the set.
type NotFoundError struct{ What string }

func (e *NotFoundError) Error() string { return e.What + " is not in the input" }

// AmbiguousError says a query named several resources; Matches lists them.
type AmbiguousError struct {
	What    string
	Matches []Ref
}

func (e *AmbiguousError) Error() string {
	var names []string
	for _, m := range e.Matches {
		names = append(names, m.String())
	}
	return fmt.Sprintf("%s names %d resources: %s", e.What, len(e.Matches), strings.Join(names, ", "))
}

// EndpointAnswer is what QueryEndpoint gives.
type EndpointAnswer struct {
	Endpoint  Ref               `json:"endpoint"`
	Addresses []string          `json:"addresses"`
	Labels    map[string]string `json:"labels"`
	// Ingress and Egress are the tiers with a policy applying to the
	// endpoint in that direction, in walk order.
	Ingress []TierAnswer `json:"ingress"`
	Egress  []TierAnswer `json:"egress"`
	// PeerOf lists the rules whose peer selector or nets name the
	// endpoint.
	PeerOf []PeerRule `json:"peerOf"`
}

// TierAnswer is a tier and its policies applying to an endpoint, in order.
type TierAnswer struct {
	Tier          string         `json:"tier"`
	DefaultAction model.Action   `json:"defaultAction"`
	Policies      []PolicyInTier `json:"policies"`
}

// PolicyInTier is a policy in walk order; Staged marks those deciding only
// the pending verdict.
type PolicyInTier struct {
	Ref
	Staged bool `json:"staged,omitempty"`
}

// PeerRule is a rule side that names an entity.
type PeerRule struct {
	Policy    Ref             `json:"policy"`
	Tier      string          `json:"tier"`
	Direction model.Direction `json:"direction"`
	Index     int             `json:"index"`
	Path      string          `json:"path"`
	Action    model.Action    `json:"action"`
	Side      string          `json:"side"` // source or destination
	Staged    bool            `json:"staged,omitempty"`
}

// FindEndpoint resolves NS/NAME, NAME (an endpoint without a namespace) or
// an address to an endpoint of the set.
func FindEndpoint(set *model.Set, arg string) (*model.Endpoint, error) {
	var found []*model.Endpoint
	if a, err := netip.ParseAddr(arg); err == nil {
		for i := range set.Endpoints {
			if slices.Contains(set.Endpoints[i].Addresses, model.PacketAddr(a)) {
				found = append(found, &set.Endpoints[i])
			}
		}
	} else {
		ns, name, namespaced := strings.Cut(arg, "/")
		if !namespaced {
			ns, name = "", arg
		}
		for i := range set.Endpoints {
			if set.Endpoints[i].Name == name && set.Endpoints[i].Namespace == ns {
				found = append(found, &set.Endpoints[i])
			}
		}
	}
	switch len(found) {
	case 0:
		return nil, &NotFoundError{What: "endpoint " + arg}
	case 1:
		return found[0], nil
	}
	e := &AmbiguousError{What: arg}
	for _, ep := range found {
		e.Matches = append(e.Matches, refOf(ep.Key()))
	}
	return nil, e
}

// QueryEndpoint gives an endpoint's effective labels, the tiers and
// policies applying to it per direction, and the rules naming it as a
// peer. arg is NS/NAME, NAME or an address.
func QueryEndpoint(set model.Set, arg string) (*EndpointAnswer, error) {
	ep, err := FindEndpoint(&set, arg)
	if err != nil {
		return nil, err
	}
	w := newWorld(&set)
	idx := slices.IndexFunc(w.endpoints, func(e entity) bool { return e.ep == ep })
	labels := w.endpoints[idx].labels
	tiers, policies := walk(&set)
	ans := &EndpointAnswer{Endpoint: refOf(ep.Key()), Labels: labels, Ingress: []TierAnswer{}, Egress: []TierAnswer{}, PeerOf: []PeerRule{}}
	for _, a := range ep.Addresses {
		ans.Addresses = append(ans.Addresses, a.String())
	}
	for _, d := range []model.Direction{model.Ingress, model.Egress} {
		var out []TierAnswer
		for _, tw := range tiers {
			ta := TierAnswer{Tier: tw.tier.Name, DefaultAction: cmp.Or(tw.tier.DefaultAction, model.Deny)}
			for _, pi := range tw.policies {
				if pi.applies(labels, d) {
					ta.Policies = append(ta.Policies, PolicyInTier{Ref: refOf(pi.p.Key()), Staged: pi.p.Kind.Staged()})
				}
			}
			if len(ta.Policies) > 0 {
				out = append(out, ta)
			}
		}
		if d == model.Ingress {
			ans.Ingress = append(ans.Ingress, out...)
		} else {
			ans.Egress = append(ans.Egress, out...)
		}
	}
	for _, pi := range policies {
		for _, rules := range pi.rules {
			for _, ri := range rules {
				for _, side := range []struct {
					name string
					s    *sideInfo
				}{{"source", &ri.src}, {"destination", &ri.dst}} {
					if namesPeer(side.s, labels, ep.Addresses) {
						ans.PeerOf = append(ans.PeerOf, PeerRule{
							Policy: refOf(pi.p.Key()), Tier: cmp.Or(pi.p.Tier, model.TierDefault), Direction: ri.dir, Index: ri.index,
							Path: rulePath(ri) + "." + side.name, Action: ri.r.Action, Side: side.name, Staged: pi.p.Kind.Staged(),
						})
					}
				}
			}
		}
	}
	return ans, nil
}

// namesPeer reports whether a rule side names an entity: its positive
// selector matches it (the notSelector not), or its nets hold one of its
// addresses. A side without either names no one in particular.
func namesPeer(s *sideInfo, labels selector.Map, addrs []netip.Addr) bool {
	if s.pos != nil {
		return s.pos.Matches(labels) && (s.neg == nil || !s.neg.Matches(labels))
	}
	for _, n := range s.er.Nets {
		for _, a := range addrs {
			if n.Contains(a) {
				return true
			}
		}
	}
	return false
}

// PolicyAnswer is what QueryPolicy gives.
type PolicyAnswer struct {
	Policy Ref    `json:"policy"`
	Tier   string `json:"tier"`
	Staged bool   `json:"staged,omitempty"`
	// Selector is the selector the policy applies with.
	Selector string `json:"selector"`
	// Ingress and Egress list the endpoints it applies to in the
	// directions it governs (nil for one it does not).
	Ingress []Ref        `json:"ingress"`
	Egress  []Ref        `json:"egress"`
	Rules   []RuleAnswer `json:"rules"`
}

// RuleAnswer is one rule and the entities its sides match.
type RuleAnswer struct {
	Direction   model.Direction `json:"direction"`
	Index       int             `json:"index"`
	Path        string          `json:"path"`
	Action      model.Action    `json:"action"`
	Source      PeerAnswer      `json:"source"`
	Destination PeerAnswer      `json:"destination"`
}

// PeerAnswer is what one side of a rule matches: Any when it names no
// identity, else the endpoints and network sets its selectors match;
// nets and ports further narrow it.
type PeerAnswer struct {
	Any      bool     `json:"any,omitempty"`
	Selector string   `json:"selector,omitempty"`
	Entities []Ref    `json:"entities,omitempty"`
	Nets     []string `json:"nets,omitempty"`
	NotNets  []string `json:"notNets,omitempty"`
}

// FindPolicy resolves [NS/]NAME to a policy, of kind when kind is not
// empty. Without a namespace, global policies of that name and namespaced
// ones of any namespace count; two matches are an *AmbiguousError.
func FindPolicy(set *model.Set, arg, kind string) (*model.Policy, error) {
	ns, name, namespaced := strings.Cut(arg, "/")
	if !namespaced {
		ns, name = "", arg
	}
	var found []*model.Policy
	for i := range set.Policies {
		p := &set.Policies[i]
		if p.Name != name || (namespaced && p.Namespace != ns) || (kind != "" && !strings.EqualFold(string(p.Kind), kind)) {
			continue
		}
		found = append(found, p)
	}
	switch len(found) {
	case 0:
		what := "policy " + arg
		if kind != "" {
			what = kind + " " + arg
		}
		return nil, &NotFoundError{What: what}
	case 1:
		return found[0], nil
	}
	e := &AmbiguousError{What: arg}
	for _, p := range found {
		e.Matches = append(e.Matches, refOf(p.Key()))
	}
	return nil, e
}

// QueryPolicy gives a policy's tier, the endpoints it selects per
// direction and the entities each rule admits or refuses. arg is
// [NS/]NAME; kind, when not empty, picks among policies of one name.
func QueryPolicy(set model.Set, arg, kind string) (*PolicyAnswer, error) {
	p, err := FindPolicy(&set, arg, kind)
	if err != nil {
		return nil, err
	}
	w := newWorld(&set)
	_, policies := walk(&set)
	i := slices.IndexFunc(policies, func(pi *policyInfo) bool { return pi.p == p })
	if i < 0 {
		return nil, &NotFoundError{What: "policy " + arg + " (a staged Delete takes part in nothing)"}
	}
	pi := policies[i]
	if pi.err != nil {
		return nil, pi.err
	}
	ans := &PolicyAnswer{Policy: refOf(p.Key()), Tier: cmp.Or(p.Tier, model.TierDefault), Staged: p.Kind.Staged(), Selector: pi.selects.String(), Rules: []RuleAnswer{}}
	for _, d := range []model.Direction{model.Ingress, model.Egress} {
		if !p.Governs(d) {
			continue
		}
		sel := []Ref{}
		for _, e := range w.endpoints {
			if pi.applies(e.labels, d) {
				sel = append(sel, refOf(e.key))
			}
		}
		if d == model.Ingress {
			ans.Ingress = sel
		} else {
			ans.Egress = sel
		}
	}
	for _, rules := range pi.rules {
		for _, ri := range rules {
			ans.Rules = append(ans.Rules, RuleAnswer{
				Direction: ri.dir, Index: ri.index, Path: rulePath(ri), Action: cmp.Or(ri.r.Action, model.Allow),
				Source: w.peerAnswer(&ri.src), Destination: w.peerAnswer(&ri.dst),
			})
		}
	}
	return ans, nil
}

func (w *world) peerAnswer(s *sideInfo) PeerAnswer {
	var pa PeerAnswer
	for _, n := range s.er.Nets {
		pa.Nets = append(pa.Nets, n.String())
	}
	for _, n := range s.er.NotNets {
		pa.NotNets = append(pa.NotNets, n.String())
	}
	if s.pos == nil && s.neg == nil {
		pa.Any = true
		return pa
	}
	if s.pos != nil {
		pa.Selector = s.pos.String()
	}
	if s.neg != nil {
		pa.Selector = strings.TrimPrefix(pa.Selector+" && !("+s.neg.String()+")", " && ")
	}
	pa.Entities = []Ref{}
	matches := func(l selector.Map) bool {
		return (s.pos == nil || s.pos.Matches(l)) && (s.neg == nil || !s.neg.Matches(l))
	}
	for _, e := range w.endpoints {
		if matches(e.labels) {
			pa.Entities = append(pa.Entities, refOf(e.key))
		}
	}
	for _, e := range w.netsets {
		if matches(e.labels) {
			pa.Entities = append(pa.Entities, refOf(e.key))
		}
	}
	return pa
}

// SelectorAnswer is what QuerySelector gives.
type SelectorAnswer struct {
	// Selector is the selector matched: the one given, scoped to the
	// namespace when one was given.
	Selector string         `json:"selector"`
	Entities []EntityLabels `json:"entities"`
}

// EntityLabels is an endpoint or network set with its effective labels.
type EntityLabels struct {
	Ref
	Labels map[string]string `json:"labels"`
}

// QuerySelector gives the endpoints and network sets whose effective
// labels match sel; with a namespace, as a NetworkPolicy of that
// namespace sees them (its rules' selectors only reach their namespace).
func QuerySelector(set model.Set, sel *selector.Selector, namespace string) (*SelectorAnswer, error) {
	eff := sel
	if namespace != "" {
		pos, _, err := calico.PeerSelectors(&model.EntityRule{Selector: sel}, namespace, nil)
		if err != nil {
			return nil, err
		}
		eff = pos
	}
	w := newWorld(&set)
	ans := &SelectorAnswer{Selector: eff.String(), Entities: []EntityLabels{}}
	for _, list := range [][]entity{w.endpoints, w.netsets} {
		for _, e := range list {
			if eff.Matches(e.labels) {
				ans.Entities = append(ans.Entities, EntityLabels{Ref: refOf(e.key), Labels: e.labels})
			}
		}
	}
	return ans, nil
}
