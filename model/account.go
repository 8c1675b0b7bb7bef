package model

import "strings"

// Account is the whole walk behind a verdict: for each side, every tier
// with an applicable policy, every applicable policy in order, every rule
// looked at and why it did not match. It answers "why is this flow
// denied" where a Trace only says what decided.
type Account struct {
	Verdict Verdict     `json:"verdict"`
	Egress  SideAccount `json:"egress"`
	Ingress SideAccount `json:"ingress"`
}

// SideAccount is the walk at one side: egress at the source endpoint or
// ingress at the destination endpoint. Both walks are empty when nothing
// is enforced on the side.
type SideAccount struct {
	Enforced bool `json:"enforced"`
	Endpoint Key  `json:"endpoint"`
	// Walk uses enforced policies only; Pending has staged policies in
	// their sorted places as well.
	Walk    WalkAccount `json:"walk"`
	Pending WalkAccount `json:"pending"`
}

// WalkAccount is one walk through the tiers and then the profiles, up to
// the rule or default that decided.
type WalkAccount struct {
	Tiers    []TierAccount    `json:"tiers"`
	Profiles []ProfileAccount `json:"profiles,omitempty"`
	Decision Decision         `json:"decision"`
}

// TierAccount is one tier that has an applicable policy; tiers without
// one are skipped, as Felix skips them.
type TierAccount struct {
	Name     string          `json:"name"`
	Policies []PolicyAccount `json:"policies"`
	// End is the tier's end hit (Index -1), attributed to the tier's first
	// applicable policy as SPEC 6 says, when the walk reached the end of
	// the tier without a decision or a Pass.
	End *Hit `json:"end,omitempty"`
	// PassTo is where the walk went on when the tier passed, by a Pass
	// rule or a Pass default: the next tier with an applicable policy, or
	// TierProfile. Empty when the tier decided.
	PassTo string `json:"passTo,omitempty"`
}

// PolicyAccount is one applicable policy and the rules looked at, in
// order, up to the one that matched with a verdict.
type PolicyAccount struct {
	Kind      Kind          `json:"kind"`
	Namespace string        `json:"namespace,omitempty"`
	Name      string        `json:"name"`
	Rules     []RuleAccount `json:"rules"`
}

// ProfileAccount is one profile the walk reached and its rules looked at.
type ProfileAccount struct {
	Name  string        `json:"name"`
	Rules []RuleAccount `json:"rules"`
}

// RuleAccount is one rule looked at. Action is the rule's action as
// Felix reads it (an empty action is Allow, an unknown one Deny). Failed
// is the first criterion that did not hold, nil when the rule matched.
type RuleAccount struct {
	Index   int        `json:"index"`
	Action  Action     `json:"action"`
	Matched bool       `json:"matched"`
	Failed  *Criterion `json:"failed,omitempty"`
}

// Criterion is one criterion of a rule that a flow fails: the field as
// Calico's v3 API names it (source.selector, destination.ports, protocol,
// ...), what the rule wants and what the flow has.
type Criterion struct {
	Field string `json:"field"`
	Want  string `json:"want"`
	Got   string `json:"got"`
}

// String says what failed in words:
//
//	source.selector app == 'worker' does not match 10.1.0.10 (app=vote)
//	destination.ports 8080 not in [5432]
func (c Criterion) String() string {
	name := c.Field[strings.LastIndexByte(c.Field, '.')+1:]
	switch name {
	case "nets", "ports":
		return c.Field + " " + c.Got + " not in " + c.Want
	case "notNets", "notPorts":
		return c.Field + " " + c.Got + " in " + c.Want
	case "notProtocol", "notICMP", "notSelector":
		return c.Field + " " + c.Want + " matches " + c.Got
	case "ipVersion":
		return c.Field + " " + c.Want + " does not match an " + c.Got + " flow"
	}
	return c.Field + " " + c.Want + " does not match " + c.Got
}

// Hits returns the walk's hits in order, as Trace.Hits lists them: each
// matching Allow, Deny or Pass rule, each tier end reached, and the
// deciding profile rule.
func (w *WalkAccount) Hits() []Hit {
	hits := []Hit{}
	for _, t := range w.Tiers {
		for _, p := range t.Policies {
			for _, r := range p.Rules {
				if !r.Matched || r.Action == Log {
					continue
				}
				hits = append(hits, Hit{Kind: p.Kind, Tier: t.Name, Namespace: p.Namespace, Name: p.Name, Index: r.Index, Action: HitAction(strings.ToLower(string(r.Action)))})
			}
		}
		if t.End != nil {
			hits = append(hits, *t.End)
		}
	}
	for _, p := range w.Profiles {
		for _, r := range p.Rules {
			if !r.Matched || r.Action == Log {
				continue
			}
			// A profile has no next tier: Pass there denies (SPEC 7).
			a := HitDeny
			if r.Action == Allow {
				a = HitAllow
			}
			hits = append(hits, Hit{Kind: KindProfile, Tier: TierProfile, Name: p.Name, Index: r.Index, Action: a})
		}
	}
	return hits
}

// Failures returns every rule of the walk that did not match, with the
// policy or profile it belongs to, for reports that list them flat.
func (w *WalkAccount) Failures() []RuleFailure {
	var out []RuleFailure
	for _, t := range w.Tiers {
		for _, p := range t.Policies {
			for _, r := range p.Rules {
				if r.Failed != nil {
					out = append(out, RuleFailure{Kind: p.Kind, Tier: t.Name, Namespace: p.Namespace, Name: p.Name, Index: r.Index, Failed: *r.Failed})
				}
			}
		}
	}
	for _, p := range w.Profiles {
		for _, r := range p.Rules {
			if r.Failed != nil {
				out = append(out, RuleFailure{Kind: KindProfile, Tier: TierProfile, Name: p.Name, Index: r.Index, Failed: *r.Failed})
			}
		}
	}
	return out
}

// RuleFailure is a rule that did not match, where it is and why.
type RuleFailure struct {
	Kind      Kind      `json:"kind"`
	Tier      string    `json:"tier"`
	Namespace string    `json:"namespace,omitempty"`
	Name      string    `json:"name"`
	Index     int       `json:"index"`
	Failed    Criterion `json:"failed"`
}
