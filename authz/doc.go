// Package authz answers Envoy's external authorization protocol
// (envoy.service.auth.v3.Authorization/Check over gRPC) from the compiled
// engine: the role Calico gives Dikastes, the per-request checker behind
// Envoy's ext_authz filter.
//
// A CheckRequest is one flow judged at ingress of the protected workload:
// the source and destination are attributes.source.address and
// attributes.destination.address (IP socket addresses with ports), the
// protocol is TCP, and attributes.request.http, when present, gives the
// HTTP method and path that rules' http criteria match (the path as sent,
// with its query; the engine normalises it as Calico's checker does). A
// request without attributes.request.http, as Envoy's network ext_authz
// filter sends, is a flow without an HTTP request. The protected workload
// is the workload endpoint owning the destination address, or the one
// named in Options.Workload for a sidecar whose traffic arrives on
// loopback.
//
// The answer is the enforced verdict: OK, or PERMISSION_DENIED with HTTP
// 403. Staged policies never deny; with Options.Audit, a request that the
// pending set (staged policies enforced) would deny is logged and counted.
// The deciding tier, policy and rule go into the response's dynamic
// metadata, and with Options.DecisionHeaders into response headers, so
// that Envoy's access logs show why.
//
// The server fails closed: a request it cannot turn into a flow (no
// attributes, no or an unparsable address), a destination with no
// workload endpoint to judge, and an engine that is not ready are each
// denied with a non-OK status and a reason. Every denial is a
// CheckResponse rather than a failed call, so that an ext_authz filter
// configured with failure_mode_allow still denies it.
//
// # Identity: a difference from Dikastes
//
// Dikastes takes the source's identity from attributes.source.principal
// alone: the SPIFFE ID spiffe://TRUST-DOMAIN/ns/NS/sa/SA names the
// namespace and service account that rules' serviceAccounts and
// namespaceSelector match, whatever address the request came from. This
// server judges the source as Felix's dataplane does, by the endpoint
// owning the source address, and uses the principal as a second witness:
// when it is a SPIFFE ID, its namespace and service account must be those
// of that endpoint, and a request whose principal disagrees (or that
// presents one from an address no workload endpoint owns) is denied with
// a reason and counted as a principal mismatch, since the address and the
// certificate then name two different workloads. Principals of other forms
// are not identities this server can check and are ignored. With
// Options.TrustDomain set, a SPIFFE ID of another trust domain is refused
// too.
package authz
