package conformance

import (
	"fmt"
	"slices"
	"strings"

	"github.com/verdictlabs/verdict/model"
)

// Outcome is what is compared for a case: the enforced and the pending
// verdict of the judged direction, each with its trace.
type Outcome struct {
	Allowed        bool
	Trace          []model.Hit
	PendingAllowed bool
	PendingTrace   []model.Hit
}

// OutcomeOf reads the outcome of one direction from an engine's verdict
// and trace.
func OutcomeOf(dv model.DirectionVerdict, tr model.Trace) Outcome {
	return Outcome{
		Allowed:        dv.Decision.Allowed,
		Trace:          tr.Hits,
		PendingAllowed: dv.Pending.Allowed,
		PendingTrace:   tr.PendingHits,
	}
}

// Expected returns Calico's outcome for the case.
func (c *Case) Expected() (Outcome, error) {
	allowed, err := readVerdict(c.Result.Verdict)
	if err != nil {
		return Outcome{}, fmt.Errorf("case %q: result.verdict: %w", c.ID, err)
	}
	pending, err := readVerdict(c.Result.PendingVerdict)
	if err != nil {
		return Outcome{}, fmt.Errorf("case %q: result.pending_verdict: %w", c.ID, err)
	}
	return Outcome{Allowed: allowed, Trace: c.Result.Trace, PendingAllowed: pending, PendingTrace: c.Result.PendingTrace}, nil
}

func readVerdict(s string) (bool, error) {
	switch s {
	case "allow":
		return true, nil
	case "deny":
		return false, nil
	}
	return false, fmt.Errorf("%q is neither allow nor deny", s)
}

// Equal reports whether two outcomes agree on both verdicts and both
// traces, hit for hit; an empty trace equals a missing one.
func (o Outcome) Equal(p Outcome) bool {
	return o.Allowed == p.Allowed && o.PendingAllowed == p.PendingAllowed &&
		slices.Equal(o.Trace, p.Trace) && slices.Equal(o.PendingTrace, p.PendingTrace)
}

// String writes the outcome on one line:
//
//	allow [security GlobalNetworkPolicy p1 #0 pass, __PROFILE__ Profile kns.ns1 #0 allow]; pending deny [...]
func (o Outcome) String() string {
	return verdictWord(o.Allowed) + " " + traceString(o.Trace) + "; pending " + verdictWord(o.PendingAllowed) + " " + traceString(o.PendingTrace)
}

func verdictWord(allowed bool) string {
	if allowed {
		return "allow"
	}
	return "deny"
}

func traceString(hits []model.Hit) string {
	parts := make([]string, len(hits))
	for i, h := range hits {
		parts[i] = HitString(h)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// HitString writes a hit as "tier Kind namespace/name #index action".
func HitString(h model.Hit) string {
	name := h.Name
	if h.Namespace != "" {
		name = h.Namespace + "/" + h.Name
	}
	return fmt.Sprintf("%s %s %s #%d %s", h.Tier, h.Kind, name, h.Index, h.Action)
}
