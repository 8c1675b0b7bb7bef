package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/verdictlabs/verdict/eval"
	"github.com/verdictlabs/verdict/model"
)

// Bounds on what a client may send.
const (
	maxFlowBody  = 64 << 10 // one flow
	maxBatchBody = 64 << 20 // a batch, streamed
	maxBatchLine = 64 << 10 // one line of a batch
)

// snapshot is one state of the served resources: every answer to one
// request comes from one snapshot.
type snapshot struct {
	engine *eval.Snapshot
	// resolve reads src or dst as eval's --src and --dst do
	// (eval.ResolvePeer).
	resolve func(ref string) (eval.Peer, error)
	// endpoint finds an endpoint in force by namespace (empty for host
	// endpoints) and name.
	endpoint func(namespace, name string) (*model.Endpoint, bool)
}

// sourceState is how a source stands, for /readyz and the metrics.
type sourceState struct {
	ready      bool
	lastChange time.Time
	refused    int // objects (cluster) or problems (files) not in force
}

// source is where the served resources come from: a cluster or files.
type source interface {
	// snapshot returns the state to answer from, or an error saying why
	// there is none yet.
	snapshot() (*snapshot, error)
	state() sourceState
}

// flowRequest is one flow as a client sends it; the fields are those of
// the flow in eval's JSON report, with src and dst also taking
// namespace/name of an endpoint and protocol also a name.
type flowRequest struct {
	Src      string              `json:"src"`
	Dst      string              `json:"dst"`
	Protocol json.RawMessage     `json:"protocol,omitempty"`
	SrcPort  uint16              `json:"srcPort,omitempty"`
	DstPort  uint16              `json:"dstPort,omitempty"`
	ICMP     *model.ICMPTypeCode `json:"icmp,omitempty"`
	HTTP     *model.HTTPRequest  `json:"http,omitempty"`
}

// apiError is the body of every error answer.
type apiError struct {
	Error string `json:"error"`
	// Line is the 1-based line of a batch the error is about.
	Line int `json:"line,omitempty"`
}

func newServeHandler(src source, m *serveMetrics) http.Handler {
	h := &serveHandler{src: src, m: m}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/evaluate", h.evaluate)
	mux.HandleFunc("POST /v1/evaluate:batch", h.batch)
	mux.HandleFunc("GET /v1/endpoints/{namespace}/{name}", h.endpoint)
	mux.HandleFunc("GET /v1/endpoints/{name}", h.endpoint)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /readyz", h.readyz)
	mux.Handle("GET /metrics", m.handler())
	return mux
}

type serveHandler struct {
	src source
	m   *serveMetrics
}

func (h *serveHandler) readyz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if _, err := h.src.snapshot(); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, "not ready: %v\n", err)
		return
	}
	io.WriteString(w, "ok\n")
}

func (h *serveHandler) evaluate(w http.ResponseWriter, r *http.Request) {
	snap, err := h.src.snapshot()
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, apiError{Error: err.Error()})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxFlowBody))
	if err != nil {
		h.badRequest(w, bodyError(err), 0)
		return
	}
	report, err := h.decide(snap, body)
	if err != nil {
		h.badRequest(w, err, 0)
		return
	}
	h.m.evaluations.WithLabelValues("single").Inc()
	writeJSON(w, http.StatusOK, report)
}

// batch answers JSON lines: one report, or one error naming the line, per
// line in, in order, from one snapshot. Empty lines are skipped.
func (h *serveHandler) batch(w http.ResponseWriter, r *http.Request) {
	snap, err := h.src.snapshot()
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, apiError{Error: err.Error()})
		return
	}
	sc := bufio.NewScanner(http.MaxBytesReader(w, r.Body, maxBatchBody))
	sc.Buffer(make([]byte, 0, 4096), maxBatchLine)
	w.Header().Set("Content-Type", "application/x-ndjson")
	enc := json.NewEncoder(w)
	line := 0
	for sc.Scan() {
		line++
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		report, err := h.decide(snap, sc.Bytes())
		if err != nil {
			h.m.badRequests.Inc()
			enc.Encode(apiError{Error: err.Error(), Line: line})
			continue
		}
		h.m.evaluations.WithLabelValues("batch").Inc()
		enc.Encode(report)
	}
	if err := sc.Err(); err != nil {
		h.m.badRequests.Inc()
		if errors.Is(err, bufio.ErrTooLong) {
			err = fmt.Errorf("line longer than %d bytes", maxBatchLine)
		} else {
			err = bodyError(err)
		}
		enc.Encode(apiError{Error: "batch stopped: " + err.Error(), Line: line + 1})
	}
}

// decide reads one flow and decides it.
func (h *serveHandler) decide(snap *snapshot, body []byte) (evalReport, error) {
	var req flowRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return evalReport{}, fmt.Errorf("not a flow: %v", err)
	}
	if dec.More() {
		return evalReport{}, errors.New("not a flow: more than one JSON value")
	}
	flow, src, dst, err := resolveFlow(snap, &req)
	if err != nil {
		return evalReport{}, err
	}
	x := snap.engine.ExplainEndpoints(flow, src.Endpoint, dst.Endpoint)
	if err := unjudgedError(x.Verdict, src, dst); err != nil {
		return evalReport{}, err
	}
	report := newEvalReport(flow, x)
	h.m.countVerdict(report.Allowed, report.PendingAllowed)
	return report, nil
}

// resolveFlow turns a request into a flow and its two sides, with eval's
// rules: a port is required exactly for protocols whose packets carry one,
// and nothing is guessed.
func resolveFlow(snap *snapshot, req *flowRequest) (model.Flow, eval.Peer, eval.Peer, error) {
	var none eval.Peer
	if req.Src == "" || req.Dst == "" {
		return model.Flow{}, none, none, errors.New("src and dst are both required")
	}
	proto := model.ProtoTCP
	if len(req.Protocol) > 0 {
		var err error
		if proto, err = requestProtocol(req.Protocol); err != nil {
			return model.Flow{}, none, none, fmt.Errorf("protocol: %v", err)
		}
	}
	name := model.ProtocolName(proto)
	switch {
	case carriesPorts(proto) && req.DstPort == 0:
		return model.Flow{}, none, none, fmt.Errorf("dstPort (1-65535) is required with protocol %s", name)
	case !carriesPorts(proto) && (req.DstPort != 0 || req.SrcPort != 0):
		return model.Flow{}, none, none, fmt.Errorf("srcPort and dstPort are not allowed with protocol %s: only TCP, UDP, SCTP and UDPLite have ports", name)
	case req.ICMP != nil && proto != model.ProtoICMP && proto != model.ProtoICMPv6:
		return model.Flow{}, none, none, errors.New("icmp needs protocol icmp or icmpv6")
	case req.HTTP != nil && proto != model.ProtoTCP:
		return model.Flow{}, none, none, errors.New("http needs protocol tcp")
	}
	src, err := snap.resolve(req.Src)
	if err != nil {
		return model.Flow{}, none, none, fmt.Errorf("src: %v", err)
	}
	dst, err := snap.resolve(req.Dst)
	if err != nil {
		return model.Flow{}, none, none, fmt.Errorf("dst: %v", err)
	}
	s, d, err := eval.PickAddresses(src, dst)
	if err != nil {
		return model.Flow{}, none, none, fmt.Errorf("src and dst: %v", err)
	}
	f := model.Flow{Src: s, Dst: d, Protocol: proto, SrcPort: req.SrcPort, DstPort: req.DstPort, ICMP: req.ICMP, HTTP: req.HTTP}
	return f, src, dst, nil
}

// requestProtocol reads a protocol given as a name or a number.
func requestProtocol(raw json.RawMessage) (uint8, error) {
	var name string
	if err := json.Unmarshal(raw, &name); err != nil {
		var n int
		if err := json.Unmarshal(raw, &n); err != nil {
			return 0, fmt.Errorf("%s is neither a name nor a number", raw)
		}
		name = strconv.Itoa(n)
	}
	p, err := model.ParseProtocol(name)
	if err != nil {
		return 0, err
	}
	return p.Number, nil
}

// peerResolver resolves src and dst by address or by an endpoint lookup,
// as eval.ResolvePeer does over a whole set.
func peerResolver(endpoint func(namespace, name string) (*model.Endpoint, bool)) func(string) (eval.Peer, error) {
	return func(ref string) (eval.Peer, error) {
		if a, err := netip.ParseAddr(ref); err == nil {
			return eval.Peer{Ref: ref, Addrs: []netip.Addr{model.PacketAddr(a)}}, nil
		}
		ns, name, namespaced := strings.Cut(ref, "/")
		if !namespaced {
			ns, name = "", ref
		}
		ep, ok := endpoint(ns, name)
		switch {
		case !ok && namespaced:
			return eval.Peer{}, fmt.Errorf("%q is not an address, and no endpoint %s is known", ref, ref)
		case !ok:
			return eval.Peer{}, fmt.Errorf("%q is not an address, and no endpoint without a namespace is called that (write namespace/name for a pod)", ref)
		case len(ep.Addresses) == 0:
			return eval.Peer{}, fmt.Errorf("endpoint %s has no address", ep.Key())
		}
		return eval.Peer{Ref: ref, Endpoint: ep, Addrs: ep.Addresses}, nil
	}
}

// endpointView is an endpoint as GET /v1/endpoints shows it.
type endpointView struct {
	Kind           string             `json:"kind"`
	Namespace      string             `json:"namespace,omitempty"`
	Name           string             `json:"name"`
	Labels         map[string]string  `json:"labels"`
	Addresses      []string           `json:"addresses"`
	Ports          []endpointPortView `json:"ports,omitempty"`
	Profiles       []string           `json:"profiles,omitempty"`
	ServiceAccount string             `json:"serviceAccount,omitempty"`
	Node           string             `json:"node,omitempty"`
	Interface      string             `json:"interface,omitempty"`
	Orchestrator   string             `json:"orchestrator,omitempty"`
}

type endpointPortView struct {
	Name     string `json:"name"`
	Protocol string `json:"protocol"`
	Port     uint16 `json:"port"`
}

func (h *serveHandler) endpoint(w http.ResponseWriter, r *http.Request) {
	snap, err := h.src.snapshot()
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, apiError{Error: err.Error()})
		return
	}
	ns, name := r.PathValue("namespace"), r.PathValue("name")
	ep, ok := snap.endpoint(ns, name)
	if !ok {
		what := name
		if ns != "" {
			what = ns + "/" + name
		}
		writeJSON(w, http.StatusNotFound, apiError{Error: fmt.Sprintf("no endpoint %s is known", what)})
		return
	}
	v := endpointView{
		Kind: string(ep.Kind), Namespace: ep.Namespace, Name: ep.Name, Labels: ep.Labels,
		Addresses: []string{}, Profiles: ep.Profiles, ServiceAccount: ep.ServiceAccount,
		Node: ep.Node, Interface: ep.Interface, Orchestrator: ep.Orchestrator,
	}
	if v.Labels == nil {
		v.Labels = map[string]string{}
	}
	for _, a := range ep.Addresses {
		v.Addresses = append(v.Addresses, a.String())
	}
	for _, p := range ep.Ports {
		v.Ports = append(v.Ports, endpointPortView{Name: p.Name, Protocol: model.ProtocolName(p.Protocol), Port: p.Port})
	}
	writeJSON(w, http.StatusOK, v)
}

func (h *serveHandler) badRequest(w http.ResponseWriter, err error, line int) {
	h.m.badRequests.Inc()
	status := http.StatusBadRequest
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		status = http.StatusRequestEntityTooLarge
	}
	writeJSON(w, status, apiError{Error: err.Error(), Line: line})
}

// bodyError names a request body that could not be read.
func bodyError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return fmt.Errorf("request body larger than %d bytes: %w", tooBig.Limit, err)
	}
	return fmt.Errorf("reading the request body: %w", err)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}
