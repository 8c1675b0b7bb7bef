package authz

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"time"

	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	"google.golang.org/grpc"

	"github.com/verdictlabs/verdict/eval"
	"github.com/verdictlabs/verdict/model"
)

// Source gives the snapshot each check is answered from. *eval.Engine is
// one; a source that is still loading returns nil, and checks are then
// denied as unavailable.
type Source interface {
	Snapshot() *eval.Snapshot
}

// Options shape a Server. The zero value judges the destination endpoint
// by address and adds no headers.
type Options struct {
	// Workload, when set, is the protected workload endpoint, judged at
	// ingress whatever destination address the request carries: for a
	// sidecar, whose traffic arrives on loopback. Its Kind defaults to
	// WorkloadEndpoint.
	Workload model.Key
	// DecisionHeaders adds the decision to the response the client sees
	// (x-verdict-decision, x-verdict-tier, x-verdict-policy,
	// x-verdict-rule, and x-verdict-reason on a denial).
	DecisionHeaders bool
	// Audit logs and counts each request that the pending set (staged
	// policies enforced) would deny; the answer is still the enforced one.
	Audit bool
	// Trace puts the whole enforced and pending traces into the dynamic
	// metadata (trace, pending_trace), which costs an allocation per hit.
	Trace bool
	// TrustDomain, when set, is the only trust domain a SPIFFE principal
	// may name.
	TrustDomain string
	// Metrics receives every check's result and latency; nil records
	// nothing.
	Metrics *Metrics
	// Logger receives audit records; nil discards them.
	Logger *slog.Logger
}

// Server answers Envoy's Authorization/Check from a Source. It is safe for
// concurrent use; each check reads one snapshot from start to finish, so a
// reload never mixes two policy sets in one answer.
type Server struct {
	authv3.UnimplementedAuthorizationServer
	src  Source
	opts Options
	log  *slog.Logger
	meta metaCache

	checks      atomic.Uint64
	checkNanos  atomic.Uint64
	engineNanos atomic.Uint64
}

// NewServer returns a server answering from src.
func NewServer(src Source, opts Options) *Server {
	if opts.Workload != (model.Key{}) && opts.Workload.Kind == "" {
		opts.Workload.Kind = model.KindWorkloadEndpoint
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Server{src: src, opts: opts, log: log}
}

// DefaultMaxRequestBytes bounds a CheckRequest: Envoy's own limit on a
// request's headers is 60 KiB, so a larger message is no request Envoy
// would send, and gRPC refuses it with RESOURCE_EXHAUSTED before it is
// read.
const DefaultMaxRequestBytes = 1 << 20

// Register adds the Authorization service to a gRPC server.
func (s *Server) Register(g *grpc.Server) { authv3.RegisterAuthorizationServer(g, s) }

// NewGRPCServer returns a gRPC server with the Authorization service
// registered, refusing messages over DefaultMaxRequestBytes; opts come
// after that limit and may change it.
func (s *Server) NewGRPCServer(opts ...grpc.ServerOption) *grpc.Server {
	g := grpc.NewServer(append([]grpc.ServerOption{grpc.MaxRecvMsgSize(DefaultMaxRequestBytes)}, opts...)...)
	s.Register(g)
	return g
}

// Check answers one request. It never fails the call: every denial,
// including a request that cannot be read, is a response with a non-OK
// status, which Envoy enforces whatever its failure_mode_allow says.
func (s *Server) Check(_ context.Context, req *authv3.CheckRequest) (*authv3.CheckResponse, error) {
	start := time.Now()
	d := s.decide(req)
	resp := s.respond(&d)
	took := time.Since(start)
	s.checks.Add(1)
	s.checkNanos.Add(uint64(took))
	s.engineNanos.Add(uint64(d.engine))
	if m := s.opts.Metrics; m != nil {
		m.observe(&d, took)
	}
	return resp, nil
}

// Stats are a server's running totals, for load generators and tests.
type Stats struct {
	Checks uint64
	// Check is the time spent answering, from the request read to the
	// response built; Engine the part of it inside the engine's Evaluate.
	Check  time.Duration
	Engine time.Duration
}

// Stats returns the totals so far.
func (s *Server) Stats() Stats {
	return Stats{
		Checks: s.checks.Load(),
		Check:  time.Duration(s.checkNanos.Load()),
		Engine: time.Duration(s.engineNanos.Load()),
	}
}
