package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/grpc"

	"github.com/verdictlabs/verdict/authz"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy"
	"github.com/verdictlabs/verdict/reload"
)

type authzOptions struct {
	files           []string
	listen          string
	workload        string
	decisionHeaders bool
	audit           bool
	metricsListen   string
	trustDomain     string
	poll            time.Duration

	// For tests: called with the addresses once serving; a stop channel
	// instead of the signals.
	ready func(grpcAddr, metricsAddr string)
	stop  <-chan struct{}
}

func newAuthzCmd() *cobra.Command { return newAuthzCmdWith(&authzOptions{}) }

func newAuthzCmdWith(o *authzOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use: "authz [-f] FILE|DIR... [--listen ADDR|unix:PATH] [--workload NS/NAME] [--decision-headers] [--audit] [--metrics-listen ADDR]",
		Example: "  verdict authz -f policies/ --metrics-listen 127.0.0.1:9192 --audit\n" +
			"  verdict authz -f policies/ --listen unix:/var/run/verdict/authz.sock --workload shop/api",
		Short: "Serve Envoy external authorization (ext_authz) from the policy files, as Calico's Dikastes does",
		Long: `authz answers Envoy's external authorization protocol
(envoy.service.auth.v3.Authorization/Check over gRPC) from policy resources,
the role Calico gives Dikastes. Point an ext_authz filter (HTTP or network)
at it: each request is one TCP flow judged at ingress of the protected
workload (the workload endpoint owning the destination address, or
--workload NS/NAME for a sidecar whose traffic arrives on loopback), with
the HTTP method and path of the request matched by rules' http criteria.

The answer is OK, or PERMISSION_DENIED with HTTP 403 and the reason; the
deciding tier, policy and rule are in the response's dynamic metadata
(verdict, tier, policy_kind, policy, rule, action, reason, endpoint;
pending_verdict with staged policies enforced, and pending_tier and the rest
when staged policies decide by another hit), and with --decision-headers in
x-verdict-* response headers. Staged policies never deny; --audit logs and
counts each request they would deny.

A SPIFFE principal (spiffe://TRUST-DOMAIN/ns/NS/sa/SA) in
attributes.source.principal must name the namespace and service account of
the pod owning the source address, else the request is denied: unlike
Dikastes, which takes the identity from the principal alone. Requests with
missing or unparsable attributes, to an address no workload owns, or before
a policy set is loaded are denied with a status and reason; never allowed
by default.

The files are read again when they change (checked every --poll); a change
with problems is reported and the last good set stays in force. Prometheus
metrics are served on --metrics-listen at /metrics.

Exit status: 0 after an interrupt; 2 for bad flags, policy files with
problems at start, or an address it cannot listen on.`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.files = withArgs(o.files, args)
			return runAuthz(cmd, o)
		},
	}
	f := cmd.Flags()
	addFileFlags(cmd, &o.files, "file or directory of policy resources (repeatable; read again on change); files may also be given as arguments")
	f.StringVar(&o.listen, "listen", "127.0.0.1:9191", "gRPC address, HOST:PORT (no host is 127.0.0.1) or unix:PATH")
	f.StringVar(&o.workload, "workload", "", "the protected workload endpoint, NAMESPACE/NAME (default: the one owning the destination address)")
	f.BoolVar(&o.decisionHeaders, "decision-headers", false, "add x-verdict-* headers with the decision to the response")
	f.BoolVar(&o.audit, "audit", false, "log and count requests that staged policies would deny")
	f.StringVar(&o.metricsListen, "metrics-listen", "", "HTTP address serving Prometheus metrics at /metrics (default: none)")
	f.StringVar(&o.trustDomain, "trust-domain", "", "the only trust domain SPIFFE principals may name (default: any)")
	f.DurationVar(&o.poll, "poll", time.Second, "how often the policy files are checked for changes")
	return cmd
}

func runAuthz(cmd *cobra.Command, o *authzOptions) error {
	if len(o.files) == 0 {
		return usageError("no policy files: give at least one FILE|DIR or -f FILE|DIR")
	}
	if err := checkWatchable("authz", o.files, o.poll); err != nil {
		return err
	}
	var workload model.Key
	if o.workload != "" {
		k, err := parseWorkload(o.workload)
		if err != nil {
			return err
		}
		workload = k
	}
	lopts, err := loaderOptions(cmd)
	if err != nil {
		return err
	}
	stderr := cmd.ErrOrStderr()
	log := slog.New(slog.NewTextHandler(stderr, nil))
	metrics := authz.NewMetrics()
	files, res, err := reload.Load(o.files, reload.Options{
		Loader:    func() *policy.Loader { return policy.NewLoader(lopts...) },
		Recursive: recursive(cmd),
		OnReload: func(res *policy.Result, err error) {
			metrics.Reloaded(err)
			if err != nil {
				log.Warn("the policy files have problems; the last good set stays in force", "problems", problemText(err))
				return
			}
			log.Info("policy files reloaded", "resources", summary(res.Counts))
		},
	})
	if err != nil {
		var probs policy.Problems
		if errors.As(err, &probs) {
			for _, p := range probs {
				fmt.Fprintln(stderr, p)
			}
			return usageError("the policy files have problems; nothing is served")
		}
		return inputError(err)
	}
	printWarnings(cmd, stderr, res)
	if workload != (model.Key{}) {
		if _, ok := files.Snapshot().Endpoint(workload); !ok {
			return usageError("--workload %s: no workload endpoint %s in the policy files", o.workload, o.workload)
		}
	}

	lis, err := authz.Listen(o.listen)
	if err != nil {
		return usageError("--listen: %v", err)
	}
	srv := authz.NewServer(files, authz.Options{
		Workload: workload, DecisionHeaders: o.decisionHeaders, Audit: o.audit,
		TrustDomain: o.trustDomain, Metrics: metrics, Logger: log,
	})
	g := srv.NewGRPCServer()
	var hs *http.Server
	metricsAddr := ""
	if o.metricsListen != "" {
		ml, err := net.Listen("tcp", o.metricsListen)
		if err != nil {
			lis.Close()
			return usageError("--metrics-listen: %v", err)
		}
		mux := http.NewServeMux()
		mux.Handle("/metrics", metrics.Handler())
		hs = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go hs.Serve(ml)
		metricsAddr = ml.Addr().String()
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go files.Watch(ctx, o.poll)
	done := make(chan error, 1)
	go func() { done <- g.Serve(lis) }()

	addr := lis.Addr().String()
	if lis.Addr().Network() == "unix" {
		addr = "unix:" + addr
	}
	fmt.Fprintf(cmd.OutOrStdout(), "verdict authz: serving Envoy ext_authz on %s\n", addr)
	if metricsAddr != "" {
		fmt.Fprintf(cmd.OutOrStdout(), "verdict authz: metrics on http://%s/metrics\n", metricsAddr)
	}
	if o.ready != nil {
		o.ready(addr, metricsAddr)
	}
	stop := o.stop
	if stop == nil {
		sctx, scancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer scancel()
		stop = sctx.Done()
	}
	select {
	case err := <-done:
		return usageError("serving: %v", err)
	case <-stop:
	}
	gracefulStop(g, 5*time.Second)
	if hs != nil {
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		hs.Shutdown(sctx)
	}
	return nil
}

// parseWorkload reads --workload NAMESPACE/NAME.
func parseWorkload(s string) (model.Key, error) {
	ns, name, ok := strings.Cut(s, "/")
	if !ok || ns == "" || name == "" || strings.Contains(name, "/") {
		return model.Key{}, usageError("--workload %q: want NAMESPACE/NAME of a workload endpoint", s)
	}
	return model.Key{Kind: model.KindWorkloadEndpoint, Namespace: ns, Name: name}, nil
}

// gracefulStop lets calls in flight finish, for at most wait.
func gracefulStop(g *grpc.Server, wait time.Duration) {
	stopped := make(chan struct{})
	go func() { g.GracefulStop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(wait):
		g.Stop()
	}
}

// problemText is a refused reload's problems on one line each.
func problemText(err error) string {
	var probs policy.Problems
	if errors.As(err, &probs) {
		lines := make([]string, len(probs))
		for i, p := range probs {
			lines[i] = p.String()
		}
		return strings.Join(lines, "; ")
	}
	return err.Error()
}
