package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/verdictlabs/verdict/analysis/flowlog"
	"github.com/verdictlabs/verdict/internal/printable"
	"github.com/verdictlabs/verdict/internal/ui"
)

type uiOptions struct {
	flowsOptions
	listen  string
	workers int
	verbose bool
	// ready, when set (by tests), gets the URL once the server listens;
	// stop ends it instead of a signal.
	ready func(url string)
	stop  <-chan struct{}
}

func newUICmd() *cobra.Command { return newUICmdWith(&uiOptions{}) }

func newUICmdWith(o *uiOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "ui [-f] FILE|DIR... [--flows FILE...] [--listen ADDR]",
		Example: "  verdict ui -f examples/tiers-staged --flows examples/tiers-staged/flows.calico.jsonl",
		Short:   "Serve a local web console: policies board, service graph, flows, recommend, staged impact, what if",
		Long: `ui loads policy resources (and flow records) as impact and recommend do and
serves a web console for them from this binary, with no network access:

  Policies   tiers and their policies in order, staged ones marked, default
             actions; a policy's YAML, the endpoints it selects, lint findings
  Graph      workload groups by namespace, observed flows as edges coloured by
             the enforced and pending verdict (without --flows, the allowed
             paths of the connectivity matrix); click an edge for its flows
  Flows      every record with its verdicts, filtered, sorted and paged;
             explain any row
  Recommend  a namespace's or workload group's recommended policy, its impact
             staged, and what enforcing it would change; download the YAML
  Impact     what each staged policy would newly deny or allow
  What if    move a policy to another tier or order, or add a candidate file,
             and see the diff of the connectivity matrix

It listens on 127.0.0.1 on a free port unless --listen says otherwise and
prints the URL; the console has no authentication, so a non-loopback address
is reported as reachable from other machines. It serves until interrupted.

Exit status: 0 after an interrupt; 2 for bad flags, unreadable input or an
address it cannot listen on.`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.files = withArgs(o.files, args)
			return runUI(cmd, o)
		},
	}
	f := cmd.Flags()
	addFileFlags(cmd, &o.files, "file or directory of policy resources (repeatable; - for standard input); files may also be given as arguments")
	f.StringArrayVar(&o.flows, "flows", nil, "file of flow records (repeatable; .gz is read as gzip)")
	f.StringVar(&o.format, "flows-format", "auto", "format of the flow records: auto, verdict, csv, calico or goldmane")
	f.StringSliceVar(&o.groupBy, "group-by", nil, "label keys that name a workload group (default: the first of app.kubernetes.io/name, app, k8s-app, else every label but hashes)")
	f.StringVar(&o.listen, "listen", "127.0.0.1:0", "address to listen on, HOST:PORT (port 0 for a free one)")
	f.IntVar(&o.workers, "workers", 0, "goroutines replaying records and computing matrices (default: one per CPU)")
	f.BoolVarP(&o.verbose, "verbose", "v", false, "print each step of loading and how long it took, on standard error")
	return cmd
}

func runUI(cmd *cobra.Command, o *uiOptions) error {
	format, err := flowlog.ParseFormat(o.format)
	if err != nil {
		return usageError("--flows-format: %v", err)
	}
	for _, f := range o.flows {
		if f == "-" {
			return usageError("--flows: ui reads the records again for each recommendation, so it needs files, not standard input")
		}
	}
	if o.workers < 0 {
		return usageError("--workers must not be negative")
	}
	res, err := loadChecked(cmd, "-f", o.files)
	if err != nil {
		return err
	}
	stderr := cmd.ErrOrStderr()
	start := time.Now()
	cfg := ui.Config{Result: res, Flows: o.flows, Format: format, GroupBy: o.groupBy, Workers: o.workers}
	if o.verbose {
		cfg.Log = func(format string, args ...any) { printable.Fprintf(stderr, "verdict ui: "+format+"\n", args...) }
	}
	srv, err := ui.New(cfg)
	if err != nil {
		return inputError(err)
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return usageError("--listen: %v", err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	url := "http://" + addr.String() + "/"
	printable.Fprintf(cmd.OutOrStdout(), "verdict ui: serving %s\n", url)
	if addr.IP.IsLoopback() {
		fmt.Fprintf(stderr, "verdict ui: loaded in %s; listening on loopback only (--listen to change); interrupt to stop\n", time.Since(start).Round(time.Millisecond))
	} else {
		printable.Fprintf(stderr, "verdict ui: loaded in %s; listening on %s, reachable from other machines: the console has no authentication; interrupt to stop\n", time.Since(start).Round(time.Millisecond), addr)
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	if o.ready != nil {
		o.ready(url)
	}
	stop := o.stop
	if stop == nil {
		ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer cancel()
		stop = ctx.Done()
	}
	select {
	case err := <-done:
		return usageError("serving: %v", err)
	case <-stop:
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
