package calico

import "github.com/verdictlabs/verdict/model"

// Verb is what a matching rule does to the walk of a tier (SPEC 4).
type Verb uint8

const (
	VerbLog   Verb = iota // Log: record and go on with the next rule
	VerbAllow             // Allow: the flow is allowed in this direction
	VerbDeny              // Deny: the flow is denied in this direction
	VerbPass              // Pass: skip to the next tier
)

// VerbOf reads a rule's action. model.Set.Check refuses a rule without
// one or with one Calico does not have, so the evaluators never see
// either; were one to get through, it denies, so that a malformed model
// fails closed.
func VerbOf(a model.Action) Verb {
	switch a {
	case model.Log:
		return VerbLog
	case model.Allow:
		return VerbAllow
	case model.Pass:
		return VerbPass
	}
	return VerbDeny
}
