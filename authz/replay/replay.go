// Package replay runs Calico's conformance cases through an ext_authz
// server over gRPC: each case that an Envoy CheckRequest can express
// becomes one request from a real gRPC client to a server on a loopback
// port, and the server's answer (both verdicts and both traces, which the
// server writes into its dynamic metadata) is compared with Calico's.
package replay

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"sync/atomic"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/verdictlabs/verdict/authz"
	"github.com/verdictlabs/verdict/eval"
	"github.com/verdictlabs/verdict/internal/conformance"
	"github.com/verdictlabs/verdict/model"
)

// TrustDomain is the trust domain of the principals replayed cases
// present.
const TrustDomain = "cluster.local"

// Report is a replay's result: the conformance report of the cases sent,
// and the cases no CheckRequest can express, by reason.
type Report struct {
	conformance.Report
	Unexpressible int
	Why           map[string]int
}

// Unexpressible reasons.
const (
	WhyEgress   = "egress (ext_authz judges the protected workload's ingress)"
	WhyProtocol = "a protocol other than TCP"
)

// Expressible says whether a CheckRequest can carry the case, and if not
// why: ext_authz judges ingress at the protected workload, over TCP.
func Expressible(c *conformance.Case) (string, bool) {
	if c.Flow.Direction != "ingress" {
		return WhyEgress, false
	}
	if c.Flow.Protocol != model.ProtoTCP {
		return WhyProtocol, false
	}
	return "", true
}

// swap is the server's source, set to each case's set in turn.
type swap struct{ cur atomic.Pointer[eval.Snapshot] }

func (s *swap) Snapshot() *eval.Snapshot { return s.cur.Load() }

// Run starts a server on a free loopback port and sends it every
// expressible case, one at a time. The server writes both traces into its
// answer, which is compared with Calico's; a second server, as deployed
// (no traces, answering from the engine's memo once a flow repeats), is
// sent each case three times and must name the same decisions.
func Run(ctx context.Context, cases []conformance.Case) (Report, error) {
	src := &swap{}
	client, stop, err := start(authz.NewServer(src, authz.Options{Trace: true, TrustDomain: TrustDomain}))
	if err != nil {
		return Report{}, err
	}
	defer stop()
	plain, stopPlain, err := start(authz.NewServer(src, authz.Options{TrustDomain: TrustDomain}))
	if err != nil {
		return Report{}, err
	}
	defer stopPlain()

	r := Report{Why: map[string]int{}}
	var sent []conformance.Case
	for i := range cases {
		if why, ok := Expressible(&cases[i]); !ok {
			r.Unexpressible++
			r.Why[why]++
			continue
		}
		sent = append(sent, cases[i])
	}
	// The conformance runner counts and reports; the engine it is given
	// answers each case through the server.
	r.Report = conformance.RunWith(sent, func(c *conformance.Case, s *conformance.Scenario) (conformance.Outcome, error) {
		snap, err := eval.Compile(s.Set)
		if err != nil {
			return conformance.Outcome{}, err
		}
		src.cur.Store(snap)
		req := Request(c)
		out, want, err := ask(ctx, client, req)
		if err != nil {
			return out, err
		}
		for range 3 {
			_, got, err := ask(ctx, plain, req)
			if err != nil {
				return out, fmt.Errorf("without traces: %w", err)
			}
			if got != want {
				return out, fmt.Errorf("without traces the decision is %v, with them %v", got, want)
			}
		}
		return out, nil
	})
	return r, nil
}

// start serves srv on a free loopback port and returns a client of it.
func start(srv *authz.Server) (authv3.AuthorizationClient, func(), error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	g := srv.NewGRPCServer()
	go g.Serve(lis)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		g.Stop()
		return nil, nil, err
	}
	return authv3.NewAuthorizationClient(conn), func() { conn.Close(); g.Stop() }, nil
}

// decisionKeys are the metadata naming a response's decisions.
var decisionKeys = []string{
	authz.MetaVerdict, authz.MetaResult, authz.MetaEndpoint, authz.MetaReason, authz.MetaPending,
	authz.MetaTier, authz.MetaPolicyKind, authz.MetaPolicy, authz.MetaRule, authz.MetaAction, authz.MetaEndOfProfiles,
	authz.MetaPendingPrefix + authz.MetaTier, authz.MetaPendingPrefix + authz.MetaPolicyKind,
	authz.MetaPendingPrefix + authz.MetaPolicy, authz.MetaPendingPrefix + authz.MetaRule,
	authz.MetaPendingPrefix + authz.MetaAction, authz.MetaPendingPrefix + authz.MetaEndOfProfiles,
}

// decisions renders those metadata in one string, for comparing answers.
func decisions(resp *authv3.CheckResponse) string {
	f := resp.GetDynamicMetadata().GetFields()
	s := fmt.Sprintf("status %d", resp.GetStatus().GetCode())
	for _, k := range decisionKeys {
		if v, ok := f[k]; ok {
			s += fmt.Sprintf(", %s=%v", k, v.AsInterface())
		}
	}
	return s
}

// Request is the CheckRequest Envoy's HTTP ext_authz filter (or its
// network filter, for a case without an HTTP request) would send for the
// case's flow: the addresses and ports, the HTTP method and path, and,
// when the source is a pod with a service account, its SPIFFE principal.
func Request(c *conformance.Case) *authv3.CheckRequest {
	attrs := &authv3.AttributeContext{
		Source:      peer(c.Src.IP, c.Flow.SrcPort),
		Destination: peer(c.Dst.IP, c.Flow.DstPort),
	}
	if c.Src.Name != "" && c.Src.ServiceAccount != "" {
		attrs.Source.Principal = "spiffe://" + TrustDomain + "/ns/" + c.Src.Namespace + "/sa/" + c.Src.ServiceAccount
	}
	if h := c.Flow.HTTP; h != nil {
		attrs.Request = &authv3.AttributeContext_Request{Http: &authv3.AttributeContext_HttpRequest{
			Method: h.Method, Path: h.Path, Protocol: "HTTP/1.1",
		}}
	}
	return &authv3.CheckRequest{Attributes: attrs}
}

func peer(ip string, port uint16) *authv3.AttributeContext_Peer {
	return &authv3.AttributeContext_Peer{Address: &corev3.Address{Address: &corev3.Address_SocketAddress{
		SocketAddress: &corev3.SocketAddress{Address: ip, PortSpecifier: &corev3.SocketAddress_PortValue{PortValue: uint32(port)}},
	}}}
}

// ask sends one request and reads the outcome from the response (its
// traces, when it has them) and the decisions it names: a response that
// is not a policy decision is an error.
func ask(ctx context.Context, c authv3.AuthorizationClient, req *authv3.CheckRequest) (conformance.Outcome, string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	resp, err := c.Check(ctx, req)
	if err != nil {
		return conformance.Outcome{}, "", fmt.Errorf("the Check call: %w", err)
	}
	f := resp.GetDynamicMetadata().GetFields()
	result := f[authz.MetaResult].GetStringValue()
	if result != string(authz.Allowed) && result != string(authz.Denied) {
		return conformance.Outcome{}, "", fmt.Errorf("the server answered %s: %s", result, resp.GetStatus().GetMessage())
	}
	allowed := resp.GetStatus().GetCode() == 0
	if allowed != (result == string(authz.Allowed)) || allowed != (resp.GetOkResponse() != nil) {
		return conformance.Outcome{}, "", fmt.Errorf("status %d, result %s and response %T disagree", resp.GetStatus().GetCode(), result, resp.GetHttpResponse())
	}
	out := conformance.Outcome{Allowed: allowed, PendingAllowed: f[authz.MetaPending].GetStringValue() == "allow"}
	if _, traced := f[authz.MetaTrace]; traced {
		hits, ok1 := authz.HitsOf(f[authz.MetaTrace])
		pending, ok2 := authz.HitsOf(f[authz.MetaPendingTrace])
		if !ok1 || !ok2 {
			return conformance.Outcome{}, "", fmt.Errorf("the response's traces cannot be read: %v", resp.GetDynamicMetadata())
		}
		out.Trace, out.PendingTrace = hits, pending
	}
	return out, decisions(resp), nil
}

// Lines gives the count of unexpressible cases for a log, "not
// expressible as an ext_authz request: 1214 (egress ...: 1100, ...)".
func (r Report) Lines() string {
	s := "not expressible as an ext_authz request: " + strconv.Itoa(r.Unexpressible)
	sep := " ("
	for _, why := range []string{WhyEgress, WhyProtocol} {
		if n := r.Why[why]; n > 0 {
			s += sep + why + ": " + strconv.Itoa(n)
			sep = "; "
		}
	}
	if sep == "; " {
		s += ")"
	}
	return s
}
