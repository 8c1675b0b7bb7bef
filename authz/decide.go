package authz

import (
	"fmt"
	"net/netip"
	"slices"
	"time"

	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	"google.golang.org/genproto/googleapis/rpc/code"

	"github.com/verdictlabs/verdict/eval"
	"github.com/verdictlabs/verdict/model"
)

// Result is what became of a check, the label of the checks metric.
type Result string

// Results of a check.
const (
	// Allowed: the enforced policy allows the flow.
	Allowed Result = "allowed"
	// Denied: the enforced policy denies the flow.
	Denied Result = "denied"
	// Invalid: the request lacks what a flow needs, or cannot be read.
	Invalid Result = "invalid"
	// Unavailable: the engine has no policy set yet.
	Unavailable Result = "unavailable"
	// Unjudged: no workload endpoint to judge (none owns the destination
	// address, it is a host endpoint, or the named workload is missing).
	Unjudged Result = "unjudged"
	// PrincipalMismatch: the source's SPIFFE principal names another
	// namespace or service account than the endpoint owning its address.
	PrincipalMismatch Result = "principal_mismatch"
)

// Results lists every Result, in the order metrics show them.
var Results = []Result{Allowed, Denied, Invalid, Unavailable, Unjudged, PrincipalMismatch}

// decision is the outcome of one check.
type decision struct {
	result Result
	code   code.Code
	reason string

	flow     model.Flow
	endpoint model.Key // the judged endpoint, when there is one
	dv       model.DirectionVerdict
	trace    model.Trace
	engine   time.Duration
	// auditDeny is set when the pending set would deny what the enforced
	// set allows.
	auditDeny bool
	// meta and pendingMeta are the response's parts for the enforced and
	// pending decisions, when the check was decided (Allowed or Denied).
	meta, pendingMeta *decisionMeta
}

func (d *decision) allowed() bool { return d.result == Allowed }

func fail(r Result, c code.Code, format string, args ...any) decision {
	return decision{result: r, code: c, reason: fmt.Sprintf(format, args...)}
}

func (s *Server) decide(req *authv3.CheckRequest) decision {
	r, err := readRequest(req)
	if err != nil {
		return fail(Invalid, code.Code_INVALID_ARGUMENT, "%v", err)
	}
	snap := s.src.Snapshot()
	if snap == nil {
		return fail(Unavailable, code.Code_UNAVAILABLE, "the policy engine is not ready: no policy set is loaded yet")
	}
	if s.opts.TrustDomain != "" && r.principal != nil && r.principal.TrustDomain != s.opts.TrustDomain {
		d := fail(PrincipalMismatch, code.Code_PERMISSION_DENIED, "source principal %s is not of trust domain %s", r.principal, s.opts.TrustDomain)
		d.flow = r.flow
		return d
	}
	if r.principal != nil {
		if d, bad := checkPrincipal(snap, r.flow.Src, *r.principal); bad {
			d.flow = r.flow
			return d
		}
	}

	// The judged endpoint: the named workload, or the one owning the
	// destination address.
	var judged *model.Endpoint
	if w := s.opts.Workload; w != (model.Key{}) {
		ep, ok := snap.Endpoint(w)
		if !ok {
			d := fail(Unjudged, code.Code_UNAVAILABLE, "the protected workload %s is not in the policy set", keyString(w))
			d.flow = r.flow
			return d
		}
		judged = ep
		r.flow.Dst = workloadAddr(ep, r.flow.Dst)
	}

	var d decision
	d.flow = r.flow
	begin := time.Now()
	switch {
	case s.opts.Trace:
		d.dv, d.trace = snap.ExplainDirection(judged, model.Ingress, r.flow)
	case judged == nil:
		// Evaluate answers a flow it has seen before from the snapshot's
		// memo (the requests of a kept-alive connection repeat) where
		// EvaluateDirection walks the policies every time; its ingress
		// side is the same verdict, and a first sighting costs the walk
		// of the egress side besides.
		d.dv = snap.Evaluate(r.flow).Ingress
	default:
		d.dv = snap.EvaluateDirection(judged, model.Ingress, r.flow)
	}
	d.engine = time.Since(begin)
	d.endpoint = d.dv.Endpoint

	switch {
	case d.dv.Unjudged:
		d.result, d.code = Unjudged, code.Code_PERMISSION_DENIED
		d.reason = fmt.Sprintf("destination %s is host endpoint %s, which is not judged here", r.flow.Dst, keyString(d.dv.Endpoint))
	case !d.dv.Enforced:
		d.result, d.code = Unjudged, code.Code_PERMISSION_DENIED
		d.reason = fmt.Sprintf("no workload endpoint owns destination address %s, so there is no policy to judge it by", r.flow.Dst)
	case d.dv.Decision.Allowed:
		d.result, d.code = Allowed, code.Code_OK
		d.auditDeny = !d.dv.Pending.Allowed
	default:
		d.result, d.code = Denied, code.Code_PERMISSION_DENIED
	}
	if d.result == Allowed || d.result == Denied {
		d.meta, d.pendingMeta = s.meta.decision(d.dv.Decision), s.meta.decision(d.dv.Pending)
		d.reason = d.meta.reason
	}
	if d.auditDeny && s.opts.Audit {
		s.log.Warn("audit: staged policy would deny",
			"src", netip.AddrPortFrom(r.flow.Src, r.flow.SrcPort).String(),
			"dst", netip.AddrPortFrom(r.flow.Dst, r.flow.DstPort).String(),
			"endpoint", keyString(d.endpoint), "http", httpString(r.flow.HTTP),
			"enforced", describe(d.dv.Decision), "pending", describe(d.dv.Pending))
	}
	return d
}

// checkPrincipal holds a SPIFFE principal to the endpoint owning the
// source address; bad is true, with the denial, when they disagree.
func checkPrincipal(snap *eval.Snapshot, src netip.Addr, id spiffeID) (decision, bool) {
	ep, ok := snap.EndpointAt(src)
	if !ok || ep.Kind != model.KindWorkloadEndpoint {
		return fail(PrincipalMismatch, code.Code_PERMISSION_DENIED,
			"source principal %s, but no workload endpoint owns source address %s", id, src), true
	}
	if ep.Namespace != id.Namespace || ep.ServiceAccount != id.ServiceAccount {
		sa := ep.ServiceAccount
		if sa == "" {
			sa = "(none)"
		}
		return fail(PrincipalMismatch, code.Code_PERMISSION_DENIED,
			"source principal %s disagrees with %s, which owns source address %s (namespace %s, service account %s)",
			id, keyString(ep.Key()), src, ep.Namespace, sa), true
	}
	return decision{}, false
}

// workloadAddr returns the address the protected workload receives the
// flow on: the request's destination when the workload owns it, else the
// workload's first address of the same IP family (a sidecar sees its
// traffic on loopback, while policy sees the pod's address).
func workloadAddr(ep *model.Endpoint, dst netip.Addr) netip.Addr {
	if slices.Contains(ep.Addresses, dst) {
		return dst
	}
	for _, a := range ep.Addresses {
		if a.Is4() == dst.Is4() {
			return a
		}
	}
	return dst
}

// describe names what decided: "tier security, GlobalNetworkPolicy
// deny-all, rule 0 (deny)".
func describe(dec model.Decision) string {
	if dec.EndOfProfiles {
		return "the end of the profiles (no policy or profile rule matched)"
	}
	h := dec.Hit
	if h.Index < 0 {
		return fmt.Sprintf("the default action of tier %s (%s), first applicable policy %s %s", h.Tier, h.Action, h.Kind, hitName(h))
	}
	return fmt.Sprintf("tier %s, %s %s, rule %d (%s)", h.Tier, h.Kind, hitName(h), h.Index, h.Action)
}

func hitName(h model.Hit) string {
	if h.Namespace != "" {
		return h.Namespace + "/" + h.Name
	}
	return h.Name
}

func keyString(k model.Key) string {
	if k.Namespace != "" {
		return k.Namespace + "/" + k.Name
	}
	return k.Name
}

func httpString(h *model.HTTPRequest) string {
	if h == nil {
		return ""
	}
	return h.Method + " " + h.Path
}
