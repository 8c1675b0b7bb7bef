package authz_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"
	"google.golang.org/genproto/googleapis/rpc/code"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/verdictlabs/verdict/authz"
	"github.com/verdictlabs/verdict/eval"
	"github.com/verdictlabs/verdict/model"
)

const (
	web      = "10.0.1.5:41000"
	api      = "10.0.2.7:8080"
	intruder = "10.0.3.9:41000"
)

func withPrincipal(req *authv3.CheckRequest, p string) *authv3.CheckRequest {
	req.Attributes.Source.Principal = p
	return req
}

// Issue 25: requests are flows at ingress of the destination workload,
// answered OK or PERMISSION_DENIED with 403 and the deciding policy; bad
// requests are denied with a reason, never allowed.
func TestCheck(t *testing.T) {
	m := authz.NewMetrics()
	srv := authz.NewServer(load(t, "testdata/shop.yaml"), authz.Options{Metrics: m})
	c := serve(t, srv)

	missingDst := tcpCheck(web, api)
	missingDst.Attributes.Destination = nil
	pipe := tcpCheck(web, api)
	pipe.Attributes.Source.Address = &corev3.Address{Address: &corev3.Address_Pipe{Pipe: &corev3.Pipe{Path: "/tmp/x"}}}
	named := tcpCheck(web, api)
	named.Attributes.Destination.Address.GetSocketAddress().PortSpecifier = &corev3.SocketAddress_NamedPort{NamedPort: "http"}
	noAddr := tcpCheck(web, api)
	noAddr.Attributes.Source.Address = nil

	tests := []struct {
		name   string
		req    *authv3.CheckRequest
		result authz.Result
		code   code.Code
		reason string // a part of the reason
		policy string // the deciding policy, when one decided
		rule   string
	}{
		{"GET under the prefix", httpCheck(web, api, "GET", "/api/items?limit=3"), authz.Allowed, code.Code_OK, "shop/api, rule 0", "shop/api", "0"},
		{"a method the rule does not list", httpCheck(web, api, "POST", "/api/items"), authz.Denied, code.Code_PERMISSION_DENIED, "default action of tier default", "shop/api", "-1"},
		{"a path outside the prefix", httpCheck(web, api, "GET", "/apiary"), authz.Denied, code.Code_PERMISSION_DENIED, "", "shop/api", "-1"},
		{"dot segments leave the prefix", httpCheck(web, api, "GET", "/api/../admin"), authz.Denied, code.Code_PERMISSION_DENIED, "", "shop/api", "-1"},
		{"encoded dot segments leave the prefix", httpCheck(web, api, "GET", "/api/%2e%2e/admin"), authz.Denied, code.Code_PERMISSION_DENIED, "", "shop/api", "-1"},
		{"a double encoding is refused", httpCheck(web, api, "GET", "/api/%252e%252e/admin"), authz.Denied, code.Code_PERMISSION_DENIED, "", "shop/api", "-1"},
		{"backslashes and parameters are normalised", httpCheck(web, api, "GET", `/api\items;v=2`), authz.Allowed, code.Code_OK, "", "shop/api", "0"},
		{"a connection without HTTP (network filter)", tcpCheck(web, api), authz.Allowed, code.Code_OK, "", "shop/api", "0"},
		{"a service account the rule does not name", httpCheck(intruder, api, "GET", "/api/items"), authz.Denied, code.Code_PERMISSION_DENIED, "", "shop/api", "-1"},
		{"IPv6", httpCheck("[fd00::1:5]:41000", "[fd00::2:7]:8080", "GET", "/api"), authz.Allowed, code.Code_OK, "", "shop/api", "0"},
		{"IPv4-mapped addresses", httpCheck("[::ffff:10.0.1.5]:41000", "[::ffff:10.0.2.7]:8080", "GET", "/api"), authz.Allowed, code.Code_OK, "", "shop/api", "0"},

		{"the principal of the source's own account", withPrincipal(httpCheck(web, api, "GET", "/api"), "spiffe://cluster.local/ns/shop/sa/frontend"), authz.Allowed, code.Code_OK, "", "shop/api", "0"},
		{"a principal of another namespace", withPrincipal(httpCheck(intruder, api, "GET", "/api"), "spiffe://cluster.local/ns/shop/sa/frontend"), authz.PrincipalMismatch, code.Code_PERMISSION_DENIED, "disagrees with other/intruder, which owns source address 10.0.3.9 (namespace other, service account frontend)", "", ""},
		{"a principal of another account", withPrincipal(httpCheck(web, api, "GET", "/api"), "spiffe://cluster.local/ns/shop/sa/api"), authz.PrincipalMismatch, code.Code_PERMISSION_DENIED, "disagrees with shop/web", "", ""},
		{"a principal from an address no pod owns", withPrincipal(httpCheck("10.9.9.9:1", api, "GET", "/api"), "spiffe://cluster.local/ns/shop/sa/frontend"), authz.PrincipalMismatch, code.Code_PERMISSION_DENIED, "no workload endpoint owns source address 10.9.9.9", "", ""},
		{"a malformed SPIFFE principal", withPrincipal(httpCheck(web, api, "GET", "/api"), "spiffe://cluster.local/ns/shop"), authz.Invalid, code.Code_INVALID_ARGUMENT, "attributes.source.principal", "", ""},
		{"a principal that is no SPIFFE ID is not checked", withPrincipal(httpCheck(web, api, "GET", "/api"), "CN=web"), authz.Allowed, code.Code_OK, "", "shop/api", "0"},

		{"no attributes", &authv3.CheckRequest{}, authz.Invalid, code.Code_INVALID_ARGUMENT, "attributes: missing", "", ""},
		{"no destination", missingDst, authz.Invalid, code.Code_INVALID_ARGUMENT, "attributes.destination.address: missing", "", ""},
		{"no source address", noAddr, authz.Invalid, code.Code_INVALID_ARGUMENT, "attributes.source.address: missing", "", ""},
		{"a garbage address", httpCheck("not-an-ip:1", api, "GET", "/"), authz.Invalid, code.Code_INVALID_ARGUMENT, `"not-an-ip" is not an IP address`, "", ""},
		{"a pipe", pipe, authz.Invalid, code.Code_INVALID_ARGUMENT, "not an IP socket address", "", ""},
		{"a named port", named, authz.Invalid, code.Code_INVALID_ARGUMENT, "named port", "", ""},
		{"a port out of range", httpCheck(web, "10.0.2.7:70000", "GET", "/"), authz.Invalid, code.Code_INVALID_ARGUMENT, "70000 is not a port", "", ""},
		{"mixed IP families", httpCheck(web, "[fd00::2:7]:80", "GET", "/"), authz.Invalid, code.Code_INVALID_ARGUMENT, "different IP families", "", ""},
		{"a destination no endpoint owns", httpCheck(web, "10.0.7.7:80", "GET", "/"), authz.Unjudged, code.Code_PERMISSION_DENIED, "no workload endpoint owns destination address 10.0.7.7", "", ""},
		{"a host endpoint destination", httpCheck(web, "10.0.9.1:80", "GET", "/"), authz.Unjudged, code.Code_PERMISSION_DENIED, "host endpoint node-1", "", ""},
	}
	counts := map[authz.Result]int{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := check(t, c, tt.req)
			counts[tt.result]++
			if got := code.Code(resp.GetStatus().GetCode()); got != tt.code {
				t.Errorf("status %v (%s), want %v", got, resp.GetStatus().GetMessage(), tt.code)
			}
			if got := meta(resp, authz.MetaResult); got != string(tt.result) {
				t.Errorf("result %q, want %q (%s)", got, tt.result, resp.GetStatus().GetMessage())
			}
			reason := resp.GetStatus().GetMessage()
			if reason == "" || !strings.Contains(reason, tt.reason) || meta(resp, authz.MetaReason) != reason {
				t.Errorf("reason %q (metadata %q), want one containing %q", reason, meta(resp, authz.MetaReason), tt.reason)
			}
			if got := meta(resp, authz.MetaPolicy); got != tt.policy {
				t.Errorf("policy %q, want %q", got, tt.policy)
			}
			if got := meta(resp, authz.MetaRule); got != tt.rule {
				t.Errorf("rule %q, want %q", got, tt.rule)
			}
			if tt.result == authz.Allowed {
				if resp.GetOkResponse() == nil || meta(resp, authz.MetaVerdict) != "allow" {
					t.Errorf("an allowed check without an OK response: %v", resp)
				}
				return
			}
			denied := resp.GetDeniedResponse()
			if denied.GetStatus().GetCode() != typev3.StatusCode_Forbidden || !strings.Contains(denied.GetBody(), reason) || meta(resp, authz.MetaVerdict) != "deny" {
				t.Errorf("a denial without a 403 and the reason: %v", resp)
			}
		})
	}
	// The checks metric counts each result.
	for _, r := range authz.Results {
		if got := counterValue(t, m, "verdict_authz_checks_total", "result", string(r)); got != float64(counts[r]) {
			t.Errorf("checks{result=%q} = %v, want %d", r, got, counts[r])
		}
	}
	if st := srv.Stats(); st.Checks != uint64(len(tests)) || st.Engine <= 0 || st.Engine > st.Check {
		t.Errorf("Stats() = %+v after %d checks", st, len(tests))
	}
}

// A message larger than the server takes is refused by gRPC before it is
// read, and the server keeps answering.
func TestOversizedRequest(t *testing.T) {
	c := serve(t, authz.NewServer(load(t, "testdata/shop.yaml"), authz.Options{}))
	big := httpCheck(web, api, "GET", "/api")
	big.Attributes.Request.Http.Headers["x-padding"] = strings.Repeat("x", 2*authz.DefaultMaxRequestBytes)
	_, err := c.Check(t.Context(), big)
	if status.Code(err) != codes.ResourceExhausted {
		t.Fatalf("an oversized request gave %v, want RESOURCE_EXHAUSTED", err)
	}
	if resp := check(t, c, httpCheck(web, api, "GET", "/api")); resp.GetStatus().GetCode() != int32(code.Code_OK) {
		t.Errorf("after an oversized request: %v", resp.GetStatus())
	}
}

type notReady struct{}

func (notReady) Snapshot() *eval.Snapshot { return nil }

// Before a policy set is loaded, every check is denied as unavailable.
func TestNotReady(t *testing.T) {
	c := serve(t, authz.NewServer(notReady{}, authz.Options{}))
	resp := check(t, c, httpCheck(web, api, "GET", "/api"))
	if code.Code(resp.GetStatus().GetCode()) != code.Code_UNAVAILABLE || meta(resp, authz.MetaResult) != string(authz.Unavailable) || resp.GetDeniedResponse() == nil {
		t.Errorf("a check before the engine is ready: %v", resp)
	}
}

// With a workload named, a sidecar's loopback traffic is judged at that
// workload's address.
func TestWorkload(t *testing.T) {
	eng := load(t, "testdata/shop.yaml")
	c := serve(t, authz.NewServer(eng, authz.Options{Workload: model.Key{Namespace: "shop", Name: "api"}}))
	resp := check(t, c, httpCheck(web, "127.0.0.1:8080", "GET", "/api/x"))
	if resp.GetOkResponse() == nil || meta(resp, authz.MetaEndpoint) != "shop/api" {
		t.Errorf("a loopback request to the sidecar's workload: %v", resp)
	}
	resp = check(t, c, httpCheck(web, "127.0.0.1:8080", "DELETE", "/api/x"))
	if resp.GetDeniedResponse() == nil || meta(resp, authz.MetaPolicy) != "shop/api" {
		t.Errorf("a denied loopback request: %v", resp)
	}
	missing := serve(t, authz.NewServer(eng, authz.Options{Workload: model.Key{Namespace: "shop", Name: "gone"}}))
	resp = check(t, missing, httpCheck(web, "127.0.0.1:8080", "GET", "/api/x"))
	if resp.GetDeniedResponse() == nil || meta(resp, authz.MetaResult) != string(authz.Unjudged) || !strings.Contains(resp.GetStatus().GetMessage(), "shop/gone is not in the policy set") {
		t.Errorf("a workload missing from the set: %v", resp)
	}
}

// --decision-headers: the client sees the decision; --audit: what the
// staged policy would deny is logged and counted, and still allowed.
func TestDecisionHeadersAndAudit(t *testing.T) {
	var logs bytes.Buffer
	m := authz.NewMetrics()
	c := serve(t, authz.NewServer(load(t, "testdata/shop.yaml"), authz.Options{
		DecisionHeaders: true, Audit: true, Metrics: m, Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	}))
	resp := check(t, c, httpCheck(web, "10.0.2.7:9090", "GET", "/api/x"))
	if resp.GetOkResponse() == nil {
		t.Fatalf("a request the staged policy would deny was not allowed: %v", resp)
	}
	got := map[string]string{}
	for _, h := range resp.GetOkResponse().GetResponseHeadersToAdd() {
		got[h.GetHeader().GetKey()] = h.GetHeader().GetValue()
	}
	want := map[string]string{authz.HeaderDecision: "allow", authz.HeaderTier: "default", authz.HeaderPolicy: "shop/api", authz.HeaderRule: "0"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("header %s = %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
	if meta(resp, authz.MetaPending) != "deny" || meta(resp, "pending_policy") != "shop/close-admin-port" {
		t.Errorf("pending metadata: %v", resp.GetDynamicMetadata())
	}
	if !strings.Contains(logs.String(), "staged policy would deny") || !strings.Contains(logs.String(), "close-admin-port") {
		t.Errorf("audit log: %q", logs.String())
	}
	if n := counterValue(t, m, "verdict_authz_audit_would_deny_total", "", ""); n != 1 {
		t.Errorf("audit counter = %v, want 1", n)
	}
	resp = check(t, c, httpCheck(web, api, "PUT", "/api/x"))
	got = map[string]string{}
	for _, h := range resp.GetDeniedResponse().GetHeaders() {
		got[h.GetHeader().GetKey()] = h.GetHeader().GetValue()
	}
	if got[authz.HeaderDecision] != "deny" || got[authz.HeaderPolicy] != "shop/api" || got[authz.HeaderRule] != "-1" || got[authz.HeaderReason] == "" {
		t.Errorf("denial headers: %v", got)
	}
	// Staged policies that decide by the same hit add only the pending
	// verdict.
	resp = check(t, c, httpCheck(web, api, "GET", "/api/x"))
	if meta(resp, authz.MetaPending) != "allow" || meta(resp, "pending_policy") != "" || meta(resp, authz.MetaPolicy) != "shop/api" {
		t.Errorf("metadata of a check the pending set decides alike: %v", resp.GetDynamicMetadata())
	}
}

// With Trace, the metadata holds both traces hit for hit.
func TestTraceMetadata(t *testing.T) {
	eng := load(t, "testdata/shop.yaml")
	c := serve(t, authz.NewServer(eng, authz.Options{Trace: true}))
	resp := check(t, c, httpCheck(web, "10.0.2.7:9090", "GET", "/api/x"))
	_, want := eng.ExplainDirection(nil, model.Ingress, model.Flow{
		Src: addr("10.0.1.5"), Dst: addr("10.0.2.7"), Protocol: model.ProtoTCP, SrcPort: 41000, DstPort: 9090,
		HTTP: &model.HTTPRequest{Method: "GET", Path: "/api/x"},
	})
	hits, ok1 := authz.HitsOf(resp.GetDynamicMetadata().GetFields()[authz.MetaTrace])
	pending, ok2 := authz.HitsOf(resp.GetDynamicMetadata().GetFields()[authz.MetaPendingTrace])
	if !ok1 || !ok2 || !equalHits(hits, want.Hits) || !equalHits(pending, want.PendingHits) || len(want.PendingHits) == 0 {
		t.Errorf("traces %v / %v, want %v / %v", hits, pending, want.Hits, want.PendingHits)
	}
}
