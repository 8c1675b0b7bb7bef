package pipeline

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/verdictlabs/verdict/analysis"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy"
)

// engines holds what each worker process built from the side input,
// keyed by a digest of the configuration and the resources, so that the
// DoFn instances of one process (one per bundle being processed at once)
// build one engine, not one each.
var engines struct {
	sync.Mutex
	built map[[32]byte]*built
}

type built struct {
	once sync.Once
	v    any
	err  error
}

// buildOnce returns what build makes of the side input's documents,
// building it once per process for a configuration and contents.
func buildOnce(config any, next func(*ResourceDoc) bool, build func([]ResourceDoc) (any, error)) (any, error) {
	var docs []ResourceDoc
	var d ResourceDoc
	for next(&d) {
		docs = append(docs, d)
	}
	slices.SortFunc(docs, func(a, b ResourceDoc) int {
		return cmp.Or(cmp.Compare(a.Role, b.Role), cmp.Compare(a.Index, b.Index))
	})
	h := sha256.New()
	cfg, err := json.Marshal(config)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(h, "%d:%s", len(cfg), cfg)
	for _, d := range docs {
		fmt.Fprintf(h, "%s\x00%d\x00%s\x00%d:", d.Role, d.Index, d.Path, len(d.Data))
		h.Write(d.Data)
	}
	var key [32]byte
	h.Sum(key[:0])
	engines.Lock()
	if engines.built == nil {
		engines.built = map[[32]byte]*built{}
	}
	b := engines.built[key]
	if b == nil {
		b = &built{}
		engines.built[key] = b
	}
	engines.Unlock()
	b.once.Do(func() { b.v, b.err = build(docs) })
	return b.v, b.err
}

// LoadResources loads the documents of one role, in their order, as the
// CLI loads its -f or --candidate files. Problems are an error: the
// command checks the same files before it starts the pipeline.
func LoadResources(docs []ResourceDoc, role string) (*policy.Result, error) {
	l := policy.NewLoader()
	n := 0
	for _, d := range docs {
		if d.Role != role {
			continue
		}
		n++
		if err := l.Add(d.Path, bytes.NewReader(d.Data)); err != nil {
			return nil, err
		}
	}
	if n == 0 {
		return nil, fmt.Errorf("no %s resource files", role)
	}
	res, err := l.Finish()
	var probs policy.Problems
	if errors.As(err, &probs) && len(probs) > 0 {
		return nil, fmt.Errorf("the %s resource files have problems: %v", role, probs[0])
	}
	if err != nil && !errors.As(err, &probs) {
		return nil, err
	}
	return res, nil
}

// NewReplayer builds the replay of a mode from the documents, as
// "verdict impact" does from its files.
func NewReplayer(docs []ResourceDoc, mode analysis.Mode, groupBy []string) (*analysis.Replayer, error) {
	res, err := LoadResources(docs, RoleResources)
	if err != nil {
		return nil, err
	}
	var after *model.Set
	switch mode {
	case analysis.ModeAsApplied:
		s := analysis.AsApplied(res.Set, res.StagedDeletes)
		after = &s
	case analysis.ModeCandidate:
		cand, err := LoadResources(docs, RoleCandidate)
		if err != nil {
			return nil, err
		}
		s := analysis.WithUpserts(res.Set, cand.Set)
		after = &s
	}
	return analysis.NewReplayer(res.Set, mode, after, groupBy)
}
