package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/verdictlabs/verdict/eval"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy"
)

// fileSource serves policy files, loaded again when they change. A load
// with problems leaves the last good one in force.
type fileSource struct {
	paths     []string
	recursive bool
	log       *slog.Logger
	m         *serveMetrics

	cur atomic.Pointer[snapshot]

	mu         sync.Mutex
	lastChange time.Time
	problems   int
	sig        string
}

// checkWatchable refuses what a command that reads its -f files again
// when they change cannot watch: standard input, or a --poll that is not
// positive.
func checkWatchable(command string, files []string, poll time.Duration) error {
	for _, f := range files {
		if f == "-" {
			return usageError("-f -: %s reads the files again when they change, so it needs files, not standard input", command)
		}
	}
	if poll <= 0 {
		return usageError("--poll must be positive")
	}
	return nil
}

// newFileSource loads the files once; problems then are a usage error, as
// for eval.
func newFileSource(paths []string, recursive bool, log *slog.Logger, m *serveMetrics) (*fileSource, error) {
	f := &fileSource{paths: paths, recursive: recursive, log: log, m: m}
	sig, err := signature(paths, recursive)
	if err != nil {
		return nil, inputError(err)
	}
	if err := f.load(); err != nil {
		return nil, inputError(err)
	}
	f.sig = sig
	m.watch(f)
	return f, nil
}

func (f *fileSource) snapshot() (*snapshot, error) {
	s := f.cur.Load()
	if s == nil {
		return nil, errors.New("no policy files loaded yet")
	}
	return s, nil
}

func (f *fileSource) state() sourceState {
	f.mu.Lock()
	defer f.mu.Unlock()
	return sourceState{ready: f.cur.Load() != nil, lastChange: f.lastChange, refused: f.problems}
}

// watch checks the files every poll until ctx ends and loads them again
// when they changed and then stayed as they are for one poll, so that a
// file caught halfway through being written is not loaded.
func (f *fileSource) watch(ctx context.Context, poll time.Duration) {
	t := time.NewTicker(poll)
	defer t.Stop()
	pending := ""
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		sig, err := signature(f.paths, f.recursive)
		if err != nil {
			f.refuse(err)
			continue
		}
		f.mu.Lock()
		same := sig == f.sig
		f.mu.Unlock()
		if same || sig != pending {
			pending = sig
			continue
		}
		f.mu.Lock()
		f.sig = sig
		f.mu.Unlock()
		if err := f.load(); err != nil {
			f.refuse(err)
			continue
		}
		f.log.Info("verdict serve: policy files reloaded")
	}
}

func (f *fileSource) refuse(err error) {
	f.m.reloaded(err)
	n := 1
	var probs policy.Problems
	if errors.As(err, &probs) {
		n = len(probs)
	}
	f.mu.Lock()
	f.problems = n
	f.mu.Unlock()
	f.log.Warn("verdict serve: the policy files have problems; the last good set stays in force", "problems", err.Error())
}

// load reads every file, compiles, and puts the result in force.
func (f *fileSource) load() error {
	l := policy.NewLoader()
	for _, p := range f.paths {
		if err := l.AddPathRecursive(p, f.recursive); err != nil {
			return err
		}
	}
	res, err := l.Finish()
	if err != nil {
		return err
	}
	eng, err := eval.New(res.Set)
	if err != nil {
		return err
	}
	set := res.Set
	byName := map[[2]string]*model.Endpoint{}
	ambiguous := map[[2]string]bool{}
	for i := range set.Endpoints {
		ep := &set.Endpoints[i]
		k := [2]string{ep.Namespace, ep.Name}
		if _, dup := byName[k]; dup {
			ambiguous[k] = true
		}
		byName[k] = ep
	}
	for k := range ambiguous {
		delete(byName, k) // a workload and a host endpoint of one name: give an address
	}
	f.cur.Store(&snapshot{
		engine:  eng.Snapshot(),
		resolve: func(ref string) (eval.Peer, error) { return eval.ResolvePeer(&set, ref) },
		endpoint: func(ns, name string) (*model.Endpoint, bool) {
			ep, ok := byName[[2]string{ns, name}]
			return ep, ok
		},
	})
	f.m.reloaded(nil)
	f.mu.Lock()
	f.lastChange, f.problems = time.Now(), 0
	f.mu.Unlock()
	return nil
}

// signature names the state of the files: every regular file under the
// paths (in a directory given, and below it when recursive) with its size
// and modification time.
func signature(paths []string, recursive bool) (string, error) {
	var lines []string
	for _, p := range paths {
		err := filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if !recursive && path != p {
					return fs.SkipDir
				}
				return nil
			}
			info, err := os.Stat(path)
			if err != nil {
				return err
			}
			lines = append(lines, fmt.Sprintf("%s %d %d", path, info.Size(), info.ModTime().UnixNano()))
			return nil
		})
		if err != nil {
			return "", err
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n"), nil
}
