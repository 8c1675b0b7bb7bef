package ui

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/verdictlabs/verdict/analysis"
	"github.com/verdictlabs/verdict/analysis/flowlog"
	"github.com/verdictlabs/verdict/eval"
	"github.com/verdictlabs/verdict/eval/reference"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy"
)

//go:embed assets
var assets embed.FS

// Config is what the console is started with.
type Config struct {
	// Result is the loaded and checked policy input (-f).
	Result *policy.Result
	// Flows are the flow record files (--flows), read when the server is
	// made (and again only for a what-if whose candidate changes what
	// records resolve to); none makes the graph show the matrix's allowed
	// paths instead.
	Flows  []string
	Format flowlog.Format
	// GroupBy are the label keys naming a workload group; nil for the
	// analysis package's default.
	GroupBy []string
	// Workers replay records and compute matrices; 0 for one per CPU.
	Workers int
	// MatrixLimit is the most endpoints whose whole connectivity matrix
	// the console computes (0 for 2,000); beyond it a matrix is asked of
	// one namespace, since it costs the square of the endpoint classes
	// times the ports.
	MatrixLimit int
	// Log, when set, is told what loading did and how long each step
	// took (verdict ui -v).
	Log func(format string, args ...any)
}

// Server answers the console's pages and JSON endpoints. It holds the
// loaded input, never changes it, and is safe for concurrent use.
type Server struct {
	cfg     Config
	set     model.Set
	eng     *eval.Engine
	grouper *analysis.Grouper

	// With flows: the pending replay of every record, and the records.
	replayer *analysis.Replayer
	impact   *analysis.Impact
	// kept is every record judged, for replaying a change without
	// reading the files again; snap is the loaded set's compiled state,
	// to which a what-if applies its change.
	kept    *analysis.Kept
	snap    *eval.Snapshot
	records []record
	// sideNames are the records' side names, sorted and lower-cased
	// (record.srcName, dstName).
	sideNames []string
	edges     []*edge
	edgeByID  map[string]*edge

	nsList   []string // the namespaces, sorted
	tiers    []analysis.TierAnswer
	findings []analysis.Finding

	// What the first request of a page would otherwise wait for, made
	// once, in the background from New on (warm); warmed is closed when
	// it is all made.
	indexOnce  sync.Once
	idx        *index
	impactOnce sync.Once
	filed      *impactFiling
	warmed     chan struct{}

	refOnce sync.Once
	ref     *reference.Evaluator
	refErr  error

	// matrixBase is what every matrix of the set shares, made on first
	// use; matrices keeps the set's latest matrices by options (see
	// cachedMatrix), the "before" of what-ifs and the graph without
	// flows.
	baseOnce    sync.Once
	base        *analysis.MatrixBase
	matrixMu    sync.Mutex
	matrices    map[string]*analysis.Matrix
	matrixOrder []string

	// recommendations are kept by choice (see recommendFor).
	recommendMu     sync.Mutex
	recommendations map[string]*recommendation

	mux *http.ServeMux
}

// New loads what the pages show: the set's tiers and lint findings, its
// engine and, with flows, every record replayed once (its verdicts kept
// for paging) and the pending impact.
func New(cfg Config) (*Server, error) {
	if cfg.Result == nil {
		return nil, errors.New("ui: no policy input")
	}
	s := &Server{cfg: cfg, set: cfg.Result.Set,
		recommendations: map[string]*recommendation{}, matrices: map[string]*analysis.Matrix{}}
	step := steps(cfg.Log)
	var err error
	if len(cfg.Flows) > 0 {
		if s.replayer, err = analysis.NewReplayer(s.set, analysis.ModePending, nil, cfg.GroupBy); err != nil {
			return nil, err
		}
		s.eng, s.grouper = s.replayer.Engine(), s.replayer.Grouper()
		step("compiled %d policies and %d endpoints, grouped and indexed them", len(s.set.Policies), len(s.set.Endpoints))
	} else {
		if s.eng, err = eval.New(s.set); err != nil {
			return nil, err
		}
		s.grouper = analysis.NewGrouper(&cfg.Result.Set, cfg.GroupBy)
		step("compiled %d policies and %d endpoints, grouped them", len(s.set.Policies), len(s.set.Endpoints))
	}
	// Lint needs only the set and its engine: it runs while the records
	// load.
	var lintErr error
	var lintTook time.Duration
	linted := make(chan struct{})
	go func() {
		defer close(linted)
		start := time.Now()
		s.findings, lintErr = analysis.Lint(s.set, analysis.LintOptions{Origin: s.origin, Engine: s.eng})
		lintTook = time.Since(start)
	}()
	if len(cfg.Flows) > 0 {
		s.impact, s.kept, s.records, err = loadRecords(s.replayer, cfg.Flows, cfg.Format, cfg.Workers)
		if err != nil {
			<-linted
			return nil, err
		}
		step("replayed %d records", len(s.records))
		s.sideNames = nameSides(s.records)
		s.edges, s.edgeByID = buildEdges(s.records)
		step("indexed the records: %d side names, %d edges", len(s.sideNames), len(s.edges))
	}
	s.snap = s.eng.Snapshot()
	for _, n := range s.set.Namespaces {
		s.nsList = append(s.nsList, n.Name)
	}
	slices.Sort(s.nsList)
	s.nsList = slices.Compact(s.nsList)
	s.tiers = analysis.TierOrder(s.set)
	<-linted
	if lintErr != nil {
		return nil, fmt.Errorf("lint: %w", lintErr)
	}
	step("linted: %d findings (lint took %s beside the rest)", len(s.findings), lintTook.Round(time.Millisecond))
	s.routes()
	s.warmed = make(chan struct{})
	go s.warm()
	return s, nil
}

// steps returns what New calls after each step of loading: it logs the
// step and the time since the one before, when there is a log.
func steps(log func(string, ...any)) func(format string, args ...any) {
	last := time.Now()
	return func(format string, args ...any) {
		if log == nil {
			return
		}
		now := time.Now()
		log("%s (%s)", fmt.Sprintf(format, args...), now.Sub(last).Round(time.Millisecond))
		last = now
	}
}

func (s *Server) origin(k model.Key) (string, int) {
	o := s.cfg.Result.Origins[k]
	return o.File, o.Document
}

// Handler returns the console: the pages at / and the JSON under /api/.
func (s *Server) Handler() http.Handler { return s.mux }

func (s *Server) routes() {
	s.mux = http.NewServeMux()
	static, _ := fs.Sub(assets, "assets")
	s.mux.Handle("GET /", http.FileServerFS(static))
	for path, h := range map[string]func(*http.Request) (any, error){
		"GET /api/summary":           s.summary,
		"GET /api/board":             s.board,
		"GET /api/findings":          s.findingsPage,
		"GET /api/policy":            s.policy,
		"GET /api/graph":             s.graph,
		"GET /api/edge":              s.edge,
		"GET /api/flows":             s.flows,
		"GET /api/explain":           s.explain,
		"GET /api/groups":            s.groups,
		"GET /api/recommend":         s.recommend,
		"GET /api/recommend/enforce": s.recommendEnforce,
		"GET /api/impact":            s.stagedImpact,
		"GET /api/impact/changes":    s.stagedChanges,
		"GET /api/impact/enforce":    s.impactEnforce,
		"POST /api/whatif":           s.whatIf,
	} {
		s.mux.Handle(path, jsonHandler(h))
	}
	s.mux.HandleFunc("GET /api/recommend/download", s.recommendDownload)
}

// badRequest is a request the server refuses with 400 and its reason.
type badRequest struct{ msg string }

func (e *badRequest) Error() string { return e.msg }

func badf(format string, args ...any) error {
	return &badRequest{fmt.Sprintf(format, args...)}
}

// jsonHandler writes a handler's answer as JSON: 400 with {"error"} for
// a bad request, 500 for anything else that failed.
func jsonHandler(h func(*http.Request) (any, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := h(r)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if err != nil {
			status := http.StatusInternalServerError
			var bad *badRequest
			if errors.As(err, &bad) {
				status = http.StatusBadRequest
			}
			w.WriteHeader(status)
			v = struct {
				Error string `json:"error"`
			}{err.Error()}
		}
		json.NewEncoder(w).Encode(v)
	})
}

// reference builds the reference evaluator on first use: only explain
// needs its walk, and building it for a large set takes a while.
func (s *Server) reference() (*reference.Evaluator, error) {
	s.refOnce.Do(func() { s.ref, s.refErr = reference.New(s.set) })
	return s.ref, s.refErr
}

// matrixBase is what every matrix of the loaded set shares, made on
// first use.
func (s *Server) matrixBase() *analysis.MatrixBase {
	s.baseOnce.Do(func() { s.base = analysis.NewMatrixBase(s.set) })
	return s.base
}

// maxMatrices bounds the matrices kept: one namespace's is megabytes at
// a thousand ports.
const maxMatrices = 16

// baseMatrix is the loaded set's matrix of a namespace ("" for all) on
// its default ports, for the graph without flows.
func (s *Server) baseMatrix(ns string) (*analysis.Matrix, error) {
	return s.cachedMatrix(analysis.MatrixOptions{GroupBy: s.cfg.GroupBy, Workers: s.cfg.Workers, Namespace: ns, Ports: s.matrixBase().DefaultPorts()})
}

// cachedMatrix is the loaded set's matrix with opts (GroupBy and
// Workers the server's), computed on first use and kept. The set never
// changes, so neither does a matrix of it: the key is what else it
// depends on, the namespace and the ports.
func (s *Server) cachedMatrix(opts analysis.MatrixOptions) (*analysis.Matrix, error) {
	var key strings.Builder
	fmt.Fprintf(&key, "%q %v", opts.Namespace, opts.Staged)
	for _, p := range opts.Ports {
		fmt.Fprintf(&key, " %s:%d", p, p.Number)
	}
	k := key.String()
	s.matrixMu.Lock()
	defer s.matrixMu.Unlock()
	if m := s.matrices[k]; m != nil {
		return m, nil
	}
	m, err := s.matrixBase().Matrix(s.snap, opts)
	if err != nil {
		return nil, err
	}
	if len(s.matrixOrder) == maxMatrices {
		delete(s.matrices, s.matrixOrder[0])
		s.matrixOrder = s.matrixOrder[1:]
	}
	s.matrices[k] = m
	s.matrixOrder = append(s.matrixOrder, k)
	return m, nil
}

func (s *Server) summary(*http.Request) (any, error) {
	staged := 0
	for _, p := range s.set.Policies {
		if p.Kind.Staged() {
			staged++
		}
	}
	return struct {
		Files      []string `json:"flowFiles"`
		Endpoints  int      `json:"endpoints"`
		Policies   int      `json:"policies"`
		Staged     int      `json:"staged"`
		Tiers      int      `json:"tiers"`
		Records    int      `json:"records"`
		HasFlows   bool     `json:"hasFlows"`
		Namespaces []string `json:"namespaces"`
		Findings   int      `json:"findings"`
		// ScopeRequired says a connectivity matrix must be asked of one
		// namespace: the input is too large for a whole one.
		ScopeRequired bool `json:"scopeRequired"`
	}{s.cfg.Flows, len(s.set.Endpoints), len(s.set.Policies), staged, len(s.tiers), len(s.records), len(s.cfg.Flows) > 0, s.namespaces(), len(s.findings), len(s.set.Endpoints) > s.matrixLimit()}, nil
}
