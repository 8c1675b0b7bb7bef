package model_test

import (
	"testing"

	"github.com/verdictlabs/verdict/model"
)

// An unjudged side (a host endpoint, SPEC 8) is never taken for allowed,
// unlike a side nothing is enforced on.
func TestDirectionVerdictAllowed(t *testing.T) {
	allow := model.Decision{Allowed: true}
	tests := []struct {
		name             string
		dv               model.DirectionVerdict
		allowed, pending bool
	}{
		{"not enforced", model.DirectionVerdict{}, true, true},
		{"enforced, allowed", model.DirectionVerdict{Enforced: true, Decision: allow, Pending: allow}, true, true},
		{"enforced, pending deny", model.DirectionVerdict{Enforced: true, Decision: allow}, true, false},
		{"unjudged", model.DirectionVerdict{Unjudged: true, Endpoint: model.Key{Kind: model.KindHostEndpoint, Name: "h"}}, false, false},
		{"unjudged whatever its decisions say", model.DirectionVerdict{Unjudged: true, Decision: allow, Pending: allow}, false, false},
	}
	for _, tt := range tests {
		if got := tt.dv.Allowed(); got != tt.allowed {
			t.Errorf("%s: Allowed() = %v", tt.name, got)
		}
		if got := tt.dv.PendingAllowed(); got != tt.pending {
			t.Errorf("%s: PendingAllowed() = %v", tt.name, got)
		}
		v := model.Verdict{Egress: model.DirectionVerdict{}, Ingress: tt.dv}
		if v.Allowed() != tt.allowed || v.PendingAllowed() != tt.pending {
			t.Errorf("%s: the flow's verdict disagrees with its side", tt.name)
		}
	}
}
