package ui

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/verdictlabs/verdict/analysis"
	"github.com/verdictlabs/verdict/model"
)

// explainAnswer is one record's verdicts and each side's walk, as verdict
// explain gives them; Lines is the walk in words, for the page.
type explainAnswer struct {
	Row         flowRow           `json:"row"`
	Flow        string            `json:"flow"`
	Explanation model.Explanation `json:"explanation"`
	Account     struct {
		Egress  model.SideAccount `json:"egress"`
		Ingress model.SideAccount `json:"ingress"`
	} `json:"account"`
	Lines []string `json:"lines"`
}

func (s *Server) explainRow(i int) (*explainAnswer, error) {
	ref, err := s.reference()
	if err != nil {
		return nil, err
	}
	r := &s.records[i]
	a := &explainAnswer{Row: s.row(i), Explanation: s.eng.Explain(r.flow)}
	f := r.flow
	a.Flow = fmt.Sprintf("%s:%d -> %s:%d %s", f.Src, f.SrcPort, f.Dst, f.DstPort, strings.ToLower(model.ProtocolName(f.Protocol)))
	acc := ref.Account(r.flow)
	a.Account.Egress, a.Account.Ingress = acc.Egress, acc.Ingress
	v := a.Explanation.Verdict
	a.Lines = append(a.Lines, fmt.Sprintf("enforced: %s; pending (staged policies enforced): %s", word(v.Allowed()), word(v.PendingAllowed())))
	for _, side := range []struct {
		dir  string
		acc  model.SideAccount
		verd model.DirectionVerdict
	}{{"egress", acc.Egress, v.Egress}, {"ingress", acc.Ingress, v.Ingress}} {
		if !side.acc.Enforced {
			a.Lines = append(a.Lines, side.dir+": no endpoint of the input owns the address; nothing is enforced")
			continue
		}
		a.Lines = append(a.Lines, fmt.Sprintf("%s walk at %s: %s", side.dir, side.acc.Endpoint, decisionText(side.verd.Decision)))
		a.Lines = walkLines(a.Lines, side.acc.Walk)
		if !reflect.DeepEqual(side.acc.Walk, side.acc.Pending) {
			a.Lines = append(a.Lines, fmt.Sprintf("%s pending walk (staged policies enforced): %s", side.dir, decisionText(side.verd.Pending)))
			a.Lines = walkLines(a.Lines, side.acc.Pending)
		}
	}
	return a, nil
}

func decisionText(d model.Decision) string {
	if d.EndOfProfiles {
		return "deny at the end of the profiles"
	}
	h := d.Hit
	by := fmt.Sprintf("%s %s rule %d", h.Kind, qualified(h.Namespace, h.Name), h.Index)
	if h.Index < 0 {
		by = fmt.Sprintf("end of tier %s (%s %s)", h.Tier, h.Kind, qualified(h.Namespace, h.Name))
	}
	return fmt.Sprintf("%s by %s", word(d.Allowed), by)
}

func qualified(ns, name string) string {
	if ns == "" {
		return name
	}
	return ns + "/" + name
}

func walkLines(out []string, w model.WalkAccount) []string {
	if len(w.Tiers) == 0 {
		out = append(out, "  no tier has a policy for this endpoint")
	}
	for _, t := range w.Tiers {
		out = append(out, "  tier "+t.Name)
		for _, p := range t.Policies {
			out = append(out, fmt.Sprintf("    %s %s", p.Kind, qualified(p.Namespace, p.Name)))
			out = ruleLines(out, p.Rules)
		}
		switch {
		case t.End != nil && t.End.Action == model.HitDeny:
			out = append(out, "    end of tier: deny")
		case t.End != nil:
			out = append(out, "    end of tier: pass to "+t.PassTo)
		case t.PassTo != "":
			out = append(out, "    passed to "+t.PassTo)
		}
	}
	for _, p := range w.Profiles {
		out = append(out, "  profile "+p.Name)
		out = ruleLines(out, p.Rules)
	}
	if w.Decision.EndOfProfiles {
		out = append(out, "  end of profiles: deny")
	}
	return out
}

func ruleLines(out []string, rules []model.RuleAccount) []string {
	if len(rules) == 0 {
		out = append(out, "      no rules in this direction")
	}
	for _, r := range rules {
		action := strings.ToLower(string(r.Action))
		if r.Matched {
			out = append(out, fmt.Sprintf("      rule %d %s: matched", r.Index, action))
		} else {
			out = append(out, fmt.Sprintf("      rule %d %s: %s", r.Index, action, r.Failed))
		}
	}
	return out
}

func groupName(g *analysis.Group) string {
	if g == nil {
		return ""
	}
	return g.Name
}
