package authz_test

import (
	"context"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/verdictlabs/verdict/authz"
	"github.com/verdictlabs/verdict/eval"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy"
)

// load compiles policy files into an engine.
func load(t testing.TB, paths ...string) *eval.Engine {
	t.Helper()
	l := policy.NewLoader()
	for _, p := range paths {
		if err := l.AddPath(p); err != nil {
			t.Fatal(err)
		}
	}
	res, err := l.Finish()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := eval.New(res.Set)
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

// serve starts a server on a free loopback port and returns a client of
// it; both stop when the test ends.
func serve(t testing.TB, s *authz.Server, opts ...grpc.ServerOption) authv3.AuthorizationClient {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := s.NewGRPCServer(opts...)
	go g.Serve(lis)
	t.Cleanup(g.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallSendMsgSize(8<<20)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return authv3.NewAuthorizationClient(conn)
}

// peer is an IP socket address attribute.
func peer(ip string, port uint32) *authv3.AttributeContext_Peer {
	return &authv3.AttributeContext_Peer{Address: &corev3.Address{Address: &corev3.Address_SocketAddress{
		SocketAddress: &corev3.SocketAddress{Address: ip, PortSpecifier: &corev3.SocketAddress_PortValue{PortValue: port}},
	}}}
}

// httpCheck is the request Envoy's HTTP ext_authz filter sends for one
// request; "src" and "dst" are "ip:port".
func httpCheck(src, dst, method, path string) *authv3.CheckRequest {
	req := tcpCheck(src, dst)
	req.Attributes.Request = &authv3.AttributeContext_Request{Http: &authv3.AttributeContext_HttpRequest{
		Method: method, Path: path, Headers: map[string]string{":method": method, ":path": path}, Protocol: "HTTP/1.1",
	}}
	return req
}

// tcpCheck is the request Envoy's network ext_authz filter sends for a
// connection.
func tcpCheck(src, dst string) *authv3.CheckRequest {
	return &authv3.CheckRequest{Attributes: &authv3.AttributeContext{Source: peerOf(src), Destination: peerOf(dst)}}
}

func peerOf(hostport string) *authv3.AttributeContext_Peer {
	host, port, _ := net.SplitHostPort(hostport)
	var n uint32
	for _, c := range port {
		n = n*10 + uint32(c-'0')
	}
	return peer(strings.Trim(host, "[]"), n)
}

func check(t testing.TB, c authv3.AuthorizationClient, req *authv3.CheckRequest) *authv3.CheckResponse {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := c.Check(ctx, req)
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	return resp
}

// meta reads a dynamic metadata field as text; "" when absent.
func meta(resp *authv3.CheckResponse, key string) string {
	v := resp.GetDynamicMetadata().GetFields()[key]
	switch k := v.GetKind().(type) {
	case *structpb.Value_StringValue:
		return k.StringValue
	case *structpb.Value_BoolValue:
		return strconv.FormatBool(k.BoolValue)
	case *structpb.Value_NumberValue:
		return strconv.FormatFloat(k.NumberValue, 'f', -1, 64)
	}
	return ""
}

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

func equalHits(a, b []model.Hit) bool { return slices.Equal(a, b) }

// counterValue reads a counter from the metrics; label "" for one without
// labels.
func counterValue(t testing.TB, m *authz.Metrics, name, label, value string) float64 {
	t.Helper()
	families, err := m.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, mt := range f.GetMetric() {
			if label == "" {
				return mt.GetCounter().GetValue()
			}
			for _, l := range mt.GetLabel() {
				if l.GetName() == label && l.GetValue() == value {
					return mt.GetCounter().GetValue()
				}
			}
		}
	}
	t.Fatalf("no metric %s{%s=%q}", name, label, value)
	return 0
}
