package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/verdictlabs/verdict/analysis"
	"github.com/verdictlabs/verdict/analysis/flowlog"
	"github.com/verdictlabs/verdict/internal/printable"
	"github.com/verdictlabs/verdict/policy"
)

// flowsOptions are the flags impact and recommend share.
type flowsOptions struct {
	files      []string
	flows      []string
	format     string
	groupBy    []string
	noProgress bool
}

func addFlowsFlags(cmd *cobra.Command, o *flowsOptions) {
	f := cmd.Flags()
	addFileFlags(cmd, &o.files, "file or directory of policy resources (repeatable; - for standard input); files may also be given as arguments")
	f.StringArrayVar(&o.flows, "flows", nil, "file of flow records (repeatable; - for standard input; .gz is read as gzip)")
	f.StringVar(&o.format, "flows-format", "auto", "format of the flow records: auto, verdict, csv, calico or goldmane")
	f.StringSliceVar(&o.groupBy, "group-by", nil, "label keys that name a workload group (default: the first of app.kubernetes.io/name, app, k8s-app, else every label but hashes)")
	f.BoolVar(&o.noProgress, "no-progress", false, "never write the progress line to standard error")
}

// loadChecked loads the policy inputs, printing problems and warnings to
// standard error; problems are a usage error.
func loadChecked(cmd *cobra.Command, flag string, files []string) (*policy.Result, error) {
	if len(files) == 0 {
		if flag == "-f" {
			return nil, usageError("no policy files: give at least one FILE|DIR or -f FILE|DIR")
		}
		return nil, usageError("no policy files: give at least one %s FILE|DIR", flag)
	}
	res, probs, err := loadReported(cmd, files)
	if err != nil {
		return nil, err
	}
	dockerNote(cmd, cmd.ErrOrStderr(), res)
	if len(probs) > 0 {
		return nil, usageError("the policy files given with %s have problems; nothing was done", flag)
	}
	return res, nil
}

// loadReported loads the policy inputs and prints their problems and
// warnings to standard error, giving the problems back apart from an
// error that ends the load (a file that cannot be read).
func loadReported(cmd *cobra.Command, files []string) (*policy.Result, policy.Problems, error) {
	res, err := loadInputs(cmd, files)
	var probs policy.Problems
	if err != nil && !errors.As(err, &probs) {
		return nil, nil, err
	}
	stderr := cmd.ErrOrStderr()
	for _, p := range probs {
		printable.Fprintln(stderr, p)
	}
	printWarnings(cmd, stderr, res)
	return res, probs, nil
}

// openFlows opens the flow files; close closes them all.
func openFlows(cmd *cobra.Command, o *flowsOptions) (readers []*flowlog.Reader, closeAll func(), err error) {
	closeAll = func() {
		for _, r := range readers {
			r.Close()
		}
	}
	if len(o.flows) == 0 {
		return nil, closeAll, usageError("no flow records: give at least one --flows FILE")
	}
	format, err := flowlog.ParseFormat(o.format)
	if err != nil {
		return nil, closeAll, usageError("--flows-format: %v", err)
	}
	stdin := false
	for _, path := range o.flows {
		var r *flowlog.Reader
		if path == "-" {
			if stdin {
				closeAll()
				return nil, func() {}, usageError("standard input (-) can be read only once")
			}
			stdin = true
			r, err = flowlog.NewReader(cmd.InOrStdin(), "<stdin>", format)
		} else {
			r, err = flowlog.Open(path, format)
		}
		if err != nil {
			closeAll()
			return nil, func() {}, inputError(err)
		}
		readers = append(readers, r)
	}
	return readers, closeAll, nil
}

// readFlows opens the --flows inputs and runs read over them, with the
// progress line while it runs; a bad record is an input error.
func readFlows[T any](cmd *cobra.Command, o *flowsOptions, workers int, read func([]*flowlog.Reader, analysis.Options) (T, error)) (T, error) {
	var none T
	readers, closeAll, err := openFlows(cmd, o)
	defer closeAll()
	if err != nil {
		return none, err
	}
	counter, stop := progress(cmd, o.noProgress)
	out, err := read(readers, analysis.Options{Workers: workers, Progress: counter})
	stop()
	if err != nil {
		return none, inputError(err)
	}
	return out, nil
}

// progress writes a progress line to standard error while a replay runs,
// only when standard error is a terminal, and returns the counter to add
// to and the function that ends the line.
func progress(cmd *cobra.Command, off bool) (*atomic.Uint64, func()) {
	var n atomic.Uint64
	f, ok := cmd.ErrOrStderr().(*os.File)
	if off || !ok || !term.IsTerminal(int(f.Fd())) {
		return &n, func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		start := time.Now()
		for {
			select {
			case <-done:
				fmt.Fprint(f, "\r\033[K")
				return
			case <-tick.C:
				writeProgress(f, n.Load(), time.Since(start))
			}
		}
	}()
	return &n, func() { close(done); wg.Wait() }
}

func writeProgress(w io.Writer, n uint64, d time.Duration) {
	rate := float64(n) / max(d.Seconds(), 1e-9)
	printable.Fprintf(w, "\r\033[K%d records read, %.0f records/s", n, rate)
}
