// Package reload keeps a compiled policy set in step with files: it loads
// files and directories of policy resources, compiles them, and loads
// them again when they change. A change that does not load or compile is
// refused and reported, and the last good set stays in force, so a bad
// edit never takes policy away from a running server.
package reload

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/verdictlabs/verdict/eval"
	"github.com/verdictlabs/verdict/policy"
)

// Options shape a Files.
type Options struct {
	// Loader returns the loader each load starts from; nil means
	// policy.NewLoader().
	Loader func() *policy.Loader
	// OnReload is called after each load of changed files: with nil when
	// the new set is in force, with the error when it was refused.
	OnReload func(res *policy.Result, err error)
	// Recursive reads the directories below a directory too
	// (policy.Loader.AddPathRecursive), as calicoctl -R does.
	Recursive bool
}

// Files is a policy set read from files and directories. Snapshot is safe
// for concurrent use with Check and Watch.
type Files struct {
	paths []string
	opts  Options
	cur   atomic.Pointer[eval.Snapshot]

	mu  sync.Mutex // one load at a time
	sig string
}

// Load reads and compiles the paths once. An error (problems in the
// resources, a file that cannot be read, a set the engine refuses) leaves
// nothing to serve and is returned with the loader's result, whose
// problems and warnings say what is wrong.
func Load(paths []string, opts Options) (*Files, *policy.Result, error) {
	if len(paths) == 0 {
		return nil, nil, fmt.Errorf("no policy files given")
	}
	f := &Files{paths: slices.Clone(paths), opts: opts}
	sig, err := signature(f.paths, f.opts.Recursive)
	if err != nil {
		return nil, nil, err
	}
	snap, res, err := f.load()
	if err != nil {
		return nil, res, err
	}
	f.sig = sig
	f.cur.Store(snap)
	return f, res, nil
}

// Snapshot returns the set in force.
func (f *Files) Snapshot() *eval.Snapshot { return f.cur.Load() }

// Check looks at the files once and, when any changed since the last
// load, loads them again: changed says whether it tried, err why the new
// set was refused (the old one then stays in force). Files that changed
// while they were being read are seen as changed again by the next Check.
func (f *Files) Check() (changed bool, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	sig, err := signature(f.paths, f.opts.Recursive)
	if err == nil && sig == f.sig {
		return false, nil
	}
	var snap *eval.Snapshot
	var res *policy.Result
	if err == nil {
		snap, res, err = f.load()
	}
	// A refused state is not tried again until the files change once
	// more, so a bad edit is reported once.
	f.sig = sig
	if err == nil {
		f.cur.Store(snap)
	}
	if f.opts.OnReload != nil {
		f.opts.OnReload(res, err)
	}
	return true, err
}

// Watch calls Check every interval until ctx ends.
func (f *Files) Watch(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f.Check()
		}
	}
}

func (f *Files) load() (*eval.Snapshot, *policy.Result, error) {
	l := policy.NewLoader()
	if f.opts.Loader != nil {
		l = f.opts.Loader()
	}
	for _, p := range f.paths {
		if err := l.AddPathRecursive(p, f.opts.Recursive); err != nil {
			return nil, nil, err
		}
	}
	res, err := l.Finish()
	if err != nil {
		return nil, res, err
	}
	snap, err := eval.Compile(res.Set)
	if err != nil {
		return nil, res, err
	}
	return snap, res, nil
}

// signature names the state of the files: each resource file the loader
// would read, with its size, modification time and inode (an editor or a
// configuration tool that replaces a file by renaming changes the inode
// even within one tick of the clock).
func signature(paths []string, recursive bool) (string, error) {
	var lines []string
	add := func(path string) error {
		info, err := os.Stat(path)
		if err != nil {
			return err
		}
		var ino uint64
		if st, ok := info.Sys().(*syscall.Stat_t); ok {
			ino = st.Ino
		}
		lines = append(lines, fmt.Sprintf("%s\x00%d\x00%d\x00%d", path, info.Size(), info.ModTime().UnixNano(), ino))
		return nil
	}
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return "", err
		}
		if !info.IsDir() {
			if err := add(p); err != nil {
				return "", err
			}
			continue
		}
		files, err := policy.ResourceFilesIn(p, recursive)
		if err != nil {
			return "", err
		}
		for _, file := range files {
			// A file removed since the listing leaves the signature
			// changed anyway.
			if err := add(file); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return "", err
			}
		}
	}
	return strings.Join(lines, "\n"), nil
}
