package legacy

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Profile is a profile of the original calicoctl: tags and ordered
// inbound and outbound rules. Its methods are the `calicoctl profile P`
// subcommands; V3 gives the profile as a Calico v3 document.
type Profile struct {
	// Name is the profile's name, which endpoints list to use it.
	Name string
	// Tags become the labels T: "" of the profile's endpoints.
	Tags []string
	// Inbound rules apply to traffic arriving at the endpoint (v3
	// ingress), Outbound rules to traffic leaving it (v3 egress).
	Inbound  []Rule
	Outbound []Rule
}

// NewProfile returns a profile as `calicoctl profile add P` (or Docker's
// Calico network driver) created it: tag P, inbound rule "allow from tag
// P", outbound rule "allow", so endpoints of the profile talk among
// themselves and out, and nothing else reaches them.
func NewProfile(name string) *Profile {
	return &Profile{
		Name:     name,
		Tags:     []string{name},
		Inbound:  []Rule{{Action: "allow", SrcTag: name}},
		Outbound: []Rule{{Action: "allow"}},
	}
}

func (p *Profile) rules(inbound bool) *[]Rule {
	if inbound {
		return &p.Inbound
	}
	return &p.Outbound
}

func direction(inbound bool) string {
	if inbound {
		return "inbound"
	}
	return "outbound"
}

// AddRule adds a rule, as `rule add (inbound|outbound) [--at=N]`: at 0
// appends, at N inserts so that the rule becomes the Nth (1 to one past
// the last). The rule is checked first.
func (p *Profile) AddRule(inbound bool, at int, r Rule) error {
	var is issueList
	r.check(jsonPath(""), &is)
	if is.count() > 0 {
		return fmt.Errorf("profile %s: %s rule %q: %w", p.Name, direction(inbound), r.String(), Issues(is.list))
	}
	rules := p.rules(inbound)
	if at == 0 {
		*rules = append(*rules, r)
		return nil
	}
	if at < 1 || at > len(*rules)+1 {
		return fmt.Errorf("profile %s: cannot insert at %s position %d: positions run from 1 to %d",
			p.Name, direction(inbound), at, len(*rules)+1)
	}
	*rules = slices.Insert(*rules, at-1, r)
	return nil
}

// RemoveRuleAt removes the rule at the 1-based position, as `rule remove
// (inbound|outbound) --at=N`.
func (p *Profile) RemoveRuleAt(inbound bool, at int) error {
	rules := p.rules(inbound)
	if at < 1 || at > len(*rules) {
		if len(*rules) == 0 {
			return fmt.Errorf("profile %s: cannot remove %s rule %d: there are no %s rules",
				p.Name, direction(inbound), at, direction(inbound))
		}
		return fmt.Errorf("profile %s: cannot remove %s rule %d: positions run from 1 to %d",
			p.Name, direction(inbound), at, len(*rules))
	}
	*rules = slices.Delete(*rules, at-1, at)
	return nil
}

// RemoveRule removes the first rule equal to r, as `rule remove
// (inbound|outbound) RULE...`.
func (p *Profile) RemoveRule(inbound bool, r Rule) error {
	rules := p.rules(inbound)
	i := slices.IndexFunc(*rules, r.Equal)
	if i < 0 {
		return fmt.Errorf("profile %s has no %s rule %q", p.Name, direction(inbound), r.String())
	}
	*rules = slices.Delete(*rules, i, i+1)
	return nil
}

// AddTag adds a tag, as `tag add T`.
func (p *Profile) AddTag(t string) error {
	if msg := checkTag(t); msg != "" {
		return fmt.Errorf("profile %s: %s", p.Name, msg)
	}
	if slices.Contains(p.Tags, t) {
		return fmt.Errorf("profile %s already has tag %s", p.Name, t)
	}
	p.Tags = append(p.Tags, t)
	return nil
}

// RemoveTag removes a tag, as `tag remove T`.
func (p *Profile) RemoveTag(t string) error {
	i := slices.Index(p.Tags, t)
	if i < 0 {
		return fmt.Errorf("profile %s has no tag %s", p.Name, t)
	}
	p.Tags = slices.Delete(p.Tags, i, i+1)
	return nil
}

// Show prints the rules as `rule show` did: a header per direction, then
// each rule on a line of three spaces, its 1-based position, a space and
// its text:
//
//	Inbound rules:
//	   1 allow from tag databases
//	   2 allow tcp from tag applications to ports 3306
//	Outbound rules:
//	   1 allow
//
// The WEB tutorial (seed 003) shows a trailing space after "allow from tag
// WEB"; that is the tutorial's formatting, not calicoctl's, and Show prints
// no trailing spaces.
func (p *Profile) Show() string {
	var b strings.Builder
	for _, inbound := range []bool{true, false} {
		if inbound {
			b.WriteString("Inbound rules:\n")
		} else {
			b.WriteString("Outbound rules:\n")
		}
		for i, r := range *p.rules(inbound) {
			b.WriteString("   ")
			b.WriteString(strconv.Itoa(i + 1))
			b.WriteByte(' ')
			b.WriteString(r.String())
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// ShowTags prints the tags one per line, as `tag show` did.
func (p *Profile) ShowTags() string {
	var b strings.Builder
	for _, t := range p.Tags {
		b.WriteString(t)
		b.WriteByte('\n')
	}
	return b.String()
}

// profileRulesJSON is the document of `rule json` and `rule update`.
type profileRulesJSON struct {
	ID       string `json:"id"`
	Inbound  []Rule `json:"inbound_rules"`
	Outbound []Rule `json:"outbound_rules"`
}

// RulesJSON returns the rules as `rule json` printed them:
// {"id": P, "inbound_rules": [...], "outbound_rules": [...]}, indented.
func (p *Profile) RulesJSON() ([]byte, error) {
	doc := profileRulesJSON{ID: p.Name, Inbound: p.Inbound, Outbound: p.Outbound}
	if doc.Inbound == nil {
		doc.Inbound = []Rule{}
	}
	if doc.Outbound == nil {
		doc.Outbound = []Rule{}
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// UpdateRules replaces both lists of rules with those of a rules JSON
// document, as `rule update < file.json`. The document's id must be the
// profile's name; a missing list means no rules in that direction. On any
// problem the profile is left unchanged and the error is an Issues (or a
// JSON syntax error).
func (p *Profile) UpdateRules(data []byte) error {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return fmt.Errorf("profile %s: rules JSON: %w", p.Name, err)
	}
	if err := duplicateKeys(data); err != nil {
		return fmt.Errorf("profile %s: rules JSON: %w", p.Name, err)
	}
	var is issueList
	doc, ok := getMap(v, "", &is)
	if !ok {
		return fmt.Errorf("profile %s: rules JSON: %w", p.Name, Issues(is.list))
	}
	id, inbound, outbound := decodeProfileRules(doc, &is)
	if is.count() == 0 && id != p.Name {
		is.addf("id", "%q is not the profile being updated (%s)", id, p.Name)
	}
	if is.count() > 0 {
		return fmt.Errorf("profile %s: rules JSON: %w", p.Name, Issues(is.list))
	}
	p.Inbound, p.Outbound = inbound, outbound
	return nil
}

// V3 returns the profile as a Calico v3 Profile document: the tags as
// labelsToApply T: "", inbound rules as ingress, outbound as egress.
func (p *Profile) V3() map[string]any {
	spec := map[string]any{}
	if len(p.Tags) > 0 {
		labels := make(map[string]any, len(p.Tags))
		for _, t := range p.Tags {
			labels[t] = ""
		}
		spec["labelsToApply"] = labels
	}
	if rules := v3Rules(p.Inbound); rules != nil {
		spec["ingress"] = rules
	}
	if rules := v3Rules(p.Outbound); rules != nil {
		spec["egress"] = rules
	}
	return v3Document("Profile", map[string]any{"name": p.Name}, spec)
}
