package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/verdictlabs/verdict/authz"
	"github.com/verdictlabs/verdict/eval"
	"github.com/verdictlabs/verdict/model"
)

func init() {
	serveListeners = append(serveListeners, func() serveListener { return &serveAuthz{} })
}

// serveAuthz is serve's Envoy ext_authz server (--authz-listen): verdict
// authz's server, answering from the snapshot serve's HTTP API answers
// from, whether files or a cluster keep it.
type serveAuthz struct {
	listen          string
	workload        string
	decisionHeaders bool
	audit           bool
	trustDomain     string

	key model.Key
}

func (a *serveAuthz) addFlags(f *pflag.FlagSet) {
	f.StringVar(&a.listen, "authz-listen", "", "also serve Envoy ext_authz (gRPC) on `ADDR`: HOST:PORT (no host is 127.0.0.1) or unix:PATH")
	f.StringVar(&a.workload, "workload", "", "with --authz-listen: the protected workload endpoint, `NAMESPACE/NAME` (default: the one owning the destination address)")
	f.BoolVar(&a.decisionHeaders, "decision-headers", false, "with --authz-listen: add x-verdict-* headers with the decision to the response")
	f.BoolVar(&a.audit, "audit", false, "with --authz-listen: log and count requests that staged policies would deny")
	f.StringVar(&a.trustDomain, "trust-domain", "", "with --authz-listen: the only trust domain SPIFFE principals may name (default: any)")
}

func (a *serveAuthz) check() error {
	if a.listen == "" {
		if a.workload != "" || a.decisionHeaders || a.audit || a.trustDomain != "" {
			return usageError("--workload, --decision-headers, --audit and --trust-domain shape the ext_authz server: give --authz-listen too")
		}
		return nil
	}
	if _, _, err := authz.ListenAddr(a.listen); err != nil {
		return usageError("--authz-listen: %v", err)
	}
	if a.workload != "" {
		k, err := parseWorkload(a.workload)
		if err != nil {
			return err
		}
		a.key = k
	}
	return nil
}

func (a *serveAuthz) run(ctx context.Context, env *serveEnv) error {
	if a.listen == "" {
		return nil
	}
	// Files are loaded by now, so a workload they lack is a mistake; a
	// cluster may still be syncing, and until the workload appears each
	// check is denied saying so.
	if _, files := env.src.(*fileSource); files && a.key != (model.Key{}) {
		if snap, err := env.src.snapshot(); err == nil {
			if _, ok := snap.engine.Endpoint(a.key); !ok {
				return usageError("--workload %s: no workload endpoint %s in the policy files", a.workload, a.workload)
			}
		}
	}
	metrics, err := authz.RegisterMetrics(env.metrics.reg)
	if err != nil {
		return fmt.Errorf("ext_authz metrics: %w", err)
	}
	env.metrics.onReload(metrics.Reloaded)
	lis, err := authz.Listen(a.listen)
	if err != nil {
		return usageError("--authz-listen: %v", err)
	}
	srv := authz.NewServer(serveSnapshots{env.src}, authz.Options{
		Workload: a.key, DecisionHeaders: a.decisionHeaders, Audit: a.audit,
		TrustDomain: a.trustDomain, Metrics: metrics, Logger: env.log,
	})
	g := srv.NewGRPCServer()
	addr := lis.Addr().String()
	if lis.Addr().Network() == "unix" {
		addr = "unix:" + addr
	}
	env.log.Info("verdict serve: serving Envoy ext_authz", "addr", addr)
	done := make(chan error, 1)
	go func() { done <- g.Serve(lis) }()
	select {
	case err := <-done:
		return fmt.Errorf("--authz-listen: %w", err)
	case <-ctx.Done():
	}
	gracefulStop(g, 5*time.Second)
	return nil
}

// serveSnapshots gives the authz server serve's engine in force: nil
// (every check denied as unavailable) until there is one.
type serveSnapshots struct{ src source }

func (s serveSnapshots) Snapshot() *eval.Snapshot {
	snap, err := s.src.snapshot()
	if err != nil {
		return nil
	}
	return snap.engine
}
