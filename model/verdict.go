package model

import (
	"encoding/json"
	"net/netip"
)

// Flow is one connection attempt, as seen after DNAT.
//
// Its JSON form, like every JSON form of the library, uses camelCase
// names: {"src", "dst", "protocol", "srcPort", "dstPort", "icmp", "http"}.
type Flow struct {
	Src      netip.Addr `json:"src"`
	Dst      netip.Addr `json:"dst"`
	Protocol uint8      `json:"protocol"`
	SrcPort  uint16     `json:"srcPort"`
	DstPort  uint16     `json:"dstPort"`
	// ICMP carries the type and code of an ICMP or ICMPv6 flow, when known.
	ICMP *ICMPTypeCode `json:"icmp,omitempty"`
	// HTTP carries the application-layer request, when the flow has one;
	// rules' HTTP criteria are checked only then.
	HTTP *HTTPRequest `json:"http,omitempty"`
}

// Normalized returns the flow with both addresses in PacketAddr's form.
// Every evaluator decides the normalized flow, whatever it is given.
func (f Flow) Normalized() Flow {
	f.Src, f.Dst = PacketAddr(f.Src), PacketAddr(f.Dst)
	return f
}

// ICMPTypeCode is the ICMP type and code of a flow.
type ICMPTypeCode struct {
	Type uint8 `json:"type"`
	Code uint8 `json:"code"`
}

// HTTPRequest is the part of an HTTP request that rules can match.
type HTTPRequest struct {
	Method string `json:"method,omitempty"`
	Path   string `json:"path,omitempty"`
}

// HitAction is the action of a hit, in lower case as Calico's flow logs
// spell it.
type HitAction string

// Hit actions.
const (
	HitAllow HitAction = "allow"
	HitDeny  HitAction = "deny"
	HitPass  HitAction = "pass"
)

// TierProfile is the tier name of hits on profile rules.
const TierProfile = "__PROFILE__"

// Hit is one step that decided something: a matching rule, or a tier's
// default action (Index -1), shaped like a Calico flow-log policy hit.
type Hit struct {
	Kind      Kind      `json:"kind"`
	Tier      string    `json:"tier"`
	Namespace string    `json:"namespace,omitempty"`
	Name      string    `json:"name"`
	Index     int       `json:"index"`
	Action    HitAction `json:"action"`
}

// Decision is the outcome for one endpoint in one direction.
type Decision struct {
	Allowed bool `json:"allowed"`
	// Hit is the deciding hit. When EndOfProfiles is true the final deny
	// after the profiles decided, and Hit is zero.
	Hit           Hit  `json:"hit"`
	EndOfProfiles bool `json:"endOfProfiles,omitempty"`
}

// MarshalJSON leaves the hit out when the end of the profiles decided,
// since no policy or rule did; decoding such a document gives the zero
// Hit back.
func (d Decision) MarshalJSON() ([]byte, error) {
	type plain Decision // without this method
	if d.EndOfProfiles {
		return json.Marshal(struct {
			Allowed       bool `json:"allowed"`
			EndOfProfiles bool `json:"endOfProfiles"`
		}{d.Allowed, true})
	}
	return json.Marshal(plain(d))
}

// DirectionVerdict is the outcome at one side of a flow: egress at the
// source endpoint or ingress at the destination endpoint.
type DirectionVerdict struct {
	// Enforced is false when no endpoint known to the evaluator owns the
	// address on that side; nothing is then enforced there and the side
	// counts as allowed.
	Enforced bool `json:"enforced"`
	// Unjudged is set, with Endpoint naming it, when the side's endpoint
	// is a host endpoint: Calico enforces host endpoints, but their hooks
	// (SPEC 8) are not modelled yet, so there is no decision, and the side
	// counts as denied, never as not enforced. A workload endpoint owning
	// the same address is judged instead.
	Unjudged bool `json:"unjudged,omitempty"`
	Endpoint Key  `json:"endpoint"`
	// Decision uses enforced policies only; Pending treats staged policies
	// as enforced.
	Decision Decision `json:"decision"`
	Pending  Decision `json:"pending"`
}

// Allowed reports whether this side lets the flow through. An unjudged
// side does not: failing closed, it is never taken for allowed.
func (d DirectionVerdict) Allowed() bool {
	return !d.Unjudged && (!d.Enforced || d.Decision.Allowed)
}

// PendingAllowed reports whether this side would let the flow through with
// staged policies enforced; an unjudged side would not.
func (d DirectionVerdict) PendingAllowed() bool {
	return !d.Unjudged && (!d.Enforced || d.Pending.Allowed)
}

// Verdict is the outcome for a flow: egress at the source and ingress at
// the destination must both allow it.
type Verdict struct {
	Egress  DirectionVerdict `json:"egress"`
	Ingress DirectionVerdict `json:"ingress"`
}

// Allowed reports whether the flow is allowed by the enforced policies.
func (v Verdict) Allowed() bool { return v.Egress.Allowed() && v.Ingress.Allowed() }

// PendingAllowed reports whether the flow would be allowed with staged
// policies enforced.
func (v Verdict) PendingAllowed() bool {
	return v.Egress.PendingAllowed() && v.Ingress.PendingAllowed()
}

// Trace is the full account of one direction: every hit in order, as
// Calico's flow logs list them, and the Log rules that matched beside it.
type Trace struct {
	Hits        []Hit `json:"hits"`
	PendingHits []Hit `json:"pendingHits"`
	// Logs are the Log rules that matched on the enforced walk; Calico's
	// trace omits them, so they are kept apart. Their Action is "log".
	Logs        []Hit `json:"logs,omitempty"`
	PendingLogs []Hit `json:"pendingLogs,omitempty"`
}

// HitLog is the action recorded for a matching Log rule in Trace.Logs.
const HitLog HitAction = "log"

// Explanation is a verdict with the trace of each side.
type Explanation struct {
	Verdict Verdict `json:"verdict"`
	Egress  Trace   `json:"egressTrace"`
	Ingress Trace   `json:"ingressTrace"`
}
