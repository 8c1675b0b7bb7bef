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
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/verdictlabs/verdict/kubesync"
)

// serveOptions are the flags of "verdict serve".
type serveOptions struct {
	kubeconfig string
	files      []string
	listen     string
	poll       time.Duration
	extra      []serveListener
}

// serveListener is a listener serve runs beside its HTTP API, answering
// from the same engine (an ext_authz server, say). A file adding one
// appends its constructor to serveListeners in an init function; serve
// makes one per command, so flags are not shared between runs.
type serveListener interface {
	// addFlags adds the listener's flags to serve's.
	addFlags(f *pflag.FlagSet)
	// check refuses flags that do not go together, before anything starts.
	check() error
	// run serves until ctx ends and then returns nil; it returns nil at
	// once when its flags leave it off. Any other error stops serve.
	run(ctx context.Context, env *serveEnv) error
}

// serveListeners make the extra listeners of serve.
var serveListeners []func() serveListener

// serveEnv is what serve shares with its listeners.
type serveEnv struct {
	// src answers from the engine in force (source.snapshot), or says
	// why there is none yet.
	src     source
	metrics *serveMetrics
	log     *slog.Logger
}

func newServeCmd() *cobra.Command {
	var o serveOptions
	for _, mk := range serveListeners {
		o.extra = append(o.extra, mk())
	}
	cmd := &cobra.Command{
		Use: "serve [--kubeconfig FILE | [-f] FILE|DIR...] [--listen ADDR] [--authz-listen ADDR|unix:PATH]",
		Example: `  verdict serve -f examples/tiers-staged
  verdict serve -f policies/ --authz-listen unix:/var/run/verdict/authz.sock --audit
  verdict serve --kubeconfig ~/.kube/config --listen 127.0.0.1:8080`,
		Short: "Run the engine as an HTTP service, following a cluster or policy files",
		Long: `serve keeps an engine up to date and answers questions over HTTP.

With --kubeconfig, or with neither --kubeconfig nor -f inside a pod (the
in-cluster configuration), it follows the API server: Namespaces, Pods,
ServiceAccounts, Services, EndpointSlices, NetworkPolicies,
ClusterNetworkPolicies when served, and Calico's resources from
projectcalico.org/v3 or crd.projectcalico.org/v1, whichever is served.
With -f it reads policy files and directories as eval does and reloads them
when they change; an edit with problems keeps the last good set in force
and the problems are logged and counted.

The API (JSON; see the README for examples):
  POST /v1/evaluate             one flow: {"src","dst","protocol","srcPort","dstPort","icmp","http"}
  POST /v1/evaluate:batch       JSON lines in, one report (or error) per line out
  GET  /v1/endpoints/{ns}/{name} an endpoint in force (GET /v1/endpoints/{name} for host endpoints)
  GET  /healthz, /readyz, /metrics

With --authz-listen ADDR (HOST:PORT, 127.0.0.1 when the host is left out,
or unix:PATH) it also answers Envoy's external authorization
(envoy.service.auth.v3.Authorization/Check over gRPC) from the same engine
the HTTP API answers from, as verdict authz does from files: --workload,
--decision-headers, --audit and --trust-domain mean what they mean there,
and the verdict_authz_* metrics join serve's /metrics.

It listens on 127.0.0.1:8080 unless --listen says otherwise. Exit status: 0
after SIGINT or SIGTERM, 2 for bad flags, an address it cannot listen on,
or a cluster that cannot be reached.`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.files = withArgs(o.files, args)
			return runServe(cmd, &o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig `FILE` of the cluster to follow")
	addFileFlags(cmd, &o.files, "policy `FILE` or DIR to serve instead of a cluster (repeatable; read again on change); files may also be given as arguments")
	f.StringVar(&o.listen, "listen", "127.0.0.1:8080", "`ADDR`ess to listen on")
	f.DurationVar(&o.poll, "poll", time.Second, "how often -f files are checked for changes")
	for _, l := range o.extra {
		l.addFlags(f)
	}
	return cmd
}

func runServe(cmd *cobra.Command, o *serveOptions) error {
	if o.kubeconfig != "" && len(o.files) > 0 {
		return usageError("give --kubeconfig or policy files, not both")
	}
	if err := checkWatchable("serve", o.files, o.poll); err != nil {
		return err
	}
	for _, l := range o.extra {
		if err := l.check(); err != nil {
			return err
		}
	}
	log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	m := newServeMetrics()
	var src source
	if len(o.files) > 0 {
		fs, err := newFileSource(o.files, recursive(cmd), log, m)
		if err != nil {
			return err
		}
		go fs.watch(ctx, o.poll)
		src = fs
	} else {
		cfg, err := kubeConfig(o.kubeconfig)
		if err != nil {
			return inputError(err)
		}
		ks := newKubeSource(cfg, log, m)
		errc := make(chan error, 1)
		go func() { errc <- ks.sync.Run(ctx) }()
		defer func() {
			stop()
			<-errc
		}()
		select {
		case err := <-errc:
			if err != nil {
				return inputError(err)
			}
			return nil
		case <-time.After(100 * time.Millisecond):
		}
		src = ks
	}

	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return usageError("--listen: %v", err)
	}
	env := &serveEnv{src: src, metrics: m, log: log}
	srv := &http.Server{Handler: newServeHandler(src, m), ReadHeaderTimeout: 10 * time.Second}
	log.Info("verdict serve: listening", "addr", ln.Addr().String())

	// The HTTP API and every extra listener run until the signal, or
	// until one of them fails, which stops the others.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, len(o.extra)+1)
	go func() {
		err := srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		errc <- err
	}()
	for _, l := range o.extra {
		go func() { errc <- l.run(ctx, env) }()
	}
	var first error
	pending := len(o.extra) + 1
wait:
	for pending > 0 {
		select {
		case first = <-errc:
			pending--
			if first != nil {
				break wait
			}
			// A listener its flags leave off has ended at once; the
			// rest go on.
		case <-ctx.Done():
			break wait
		}
	}
	cancel()
	shutdown, stopShutdown := context.WithTimeout(context.Background(), 5*time.Second)
	defer stopShutdown()
	if err := srv.Shutdown(shutdown); err != nil && first == nil {
		first = err
	}
	for ; pending > 0; pending-- {
		if err := <-errc; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// kubeConfig reads the kubeconfig file, or the in-cluster configuration
// when no file is given.
func kubeConfig(path string) (*rest.Config, error) {
	if path == "" {
		cfg, err := rest.InClusterConfig()
		if err != nil {
			return nil, fmt.Errorf("no -f, no --kubeconfig, and not in a cluster: %w", err)
		}
		return cfg, nil
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		return nil, fmt.Errorf("--kubeconfig: %w", err)
	}
	return cfg, nil
}

// kubeSource serves the engine a kubesync.Syncer keeps.
type kubeSource struct {
	sync *kubesync.Syncer
}

func newKubeSource(cfg *rest.Config, log *slog.Logger, m *serveMetrics) *kubeSource {
	ks := &kubeSource{}
	ks.sync = kubesync.New(cfg, kubesync.Options{Logger: log, OnApply: func(lag time.Duration, refused bool) {
		m.syncLag.Observe(lag.Seconds())
	}})
	m.watch(ks)
	return ks
}

func (k *kubeSource) snapshot() (*snapshot, error) {
	eng, err := k.sync.Engine()
	if err != nil {
		return nil, err
	}
	return &snapshot{engine: eng.Snapshot(), resolve: peerResolver(k.sync.Endpoint), endpoint: k.sync.Endpoint}, nil
}

func (k *kubeSource) state() sourceState {
	st := k.sync.Status()
	return sourceState{ready: st.Ready, lastChange: st.LastApplied, refused: len(st.Refused)}
}
