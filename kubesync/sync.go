package kubesync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"

	"github.com/verdictlabs/verdict/eval"
	"github.com/verdictlabs/verdict/model"
)

// ErrNotReady is what Evaluate answers before the first full list has been
// compiled.
var ErrNotReady = errors.New("kubesync: the engine is not ready: the first list of the cluster has not been compiled yet")

// ObjectKey names an object of the cluster: its API group (empty for the
// core group), kind, namespace (empty for cluster-scoped kinds) and name.
type ObjectKey struct {
	Group, Kind, Namespace, Name string
}

// String gives "Kind.group namespace/name" as kubectl names resources,
// leaving out what is empty.
func (k ObjectKey) String() string {
	s := k.Kind
	if k.Group != "" {
		s += "." + k.Group
	}
	if k.Namespace != "" {
		return s + " " + k.Namespace + "/" + k.Name
	}
	return s + " " + k.Name
}

// Refusal is an object the cluster holds but the engine does not: the
// decoder or the engine refused its current version. The last good
// version, if there was one, stays in force.
type Refusal struct {
	Object ObjectKey `json:"object"`
	Reason string    `json:"reason"`
	Since  time.Time `json:"since"`
}

// Status is a snapshot of how the sync stands.
type Status struct {
	Ready bool `json:"ready"`
	// CalicoGroup is the Calico API group followed ("projectcalico.org",
	// "crd.projectcalico.org"), or empty when the cluster serves neither.
	CalicoGroup string `json:"calicoGroup"`
	// ClusterNetworkPolicies tells whether that API is served and followed.
	ClusterNetworkPolicies bool `json:"clusterNetworkPolicies"`
	// Applied counts the changes applied since the engine was compiled.
	Applied uint64 `json:"applied"`
	// LastApplied is when the engine last changed (or was compiled).
	LastApplied time.Time `json:"lastApplied"`
	// LastLag is the time from the informer handing over the last applied
	// event to the engine answering with it.
	LastLag time.Duration `json:"lastLag"`
	// Refused lists the objects in force in an older version or not at all,
	// sorted by key.
	Refused []Refusal `json:"refused"`
}

// Options tune a Syncer. The zero value is usable.
type Options struct {
	// Logger receives the choice of API groups, refusals and recoveries;
	// slog.Default() when nil.
	Logger *slog.Logger
	// OnApply, when set, is called by the sync goroutine after each event
	// is handled, with the time from the informer handing it over until the
	// engine answers with it, and whether it was refused. It must not
	// block.
	OnApply func(lag time.Duration, refused bool)
}

// Syncer follows a cluster and keeps an engine in step with it. Create it
// with New, run it with Run; it is safe for concurrent use.
type Syncer struct {
	cfg  *rest.Config
	opts Options
	log  *slog.Logger

	engine atomic.Pointer[eval.Engine] // nil until ready
	ready  chan struct{}

	queue queue

	mu     sync.Mutex // guards status
	status Status

	epMu      sync.RWMutex // guards endpoints
	endpoints map[model.Key]*model.Endpoint

	// Owned by the sync goroutine.
	units   map[unitKey]*unit
	owner   map[model.Key]unitKey
	refused map[unitKey]*pending
	svcDocs map[unitKey][]byte          // Service documents by service unit
	slices  map[ObjectKey]sliceDoc      // EndpointSlice documents
	bySvc   map[unitKey]map[string]bool // slice names by service unit
	// retrying is set while refused units are tried again, so that their
	// success does not start another round.
	retrying bool
}

// unit is what the engine holds for one unit; frag and docs are kept only
// until the first compile.
type unit struct {
	kind kindInfo
	keys []model.Key
	frag model.Set
	docs [][]byte
}

// pending is a refused unit's current version, tried again later; docs is
// nil for a delete the engine refused.
type pending struct {
	kind     kindInfo
	docs     [][]byte
	refusal  Refusal
	byEngine bool // refused by the engine, not the decoder: worth another try
}

type sliceDoc struct {
	service string
	doc     []byte
}

// New returns a Syncer for the cluster cfg reaches.
func New(cfg *rest.Config, opts Options) *Syncer {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Syncer{
		cfg: cfg, opts: opts, log: log,
		ready:   make(chan struct{}),
		units:   map[unitKey]*unit{},
		owner:   map[model.Key]unitKey{},
		refused: map[unitKey]*pending{},
		svcDocs: map[unitKey][]byte{},
		slices:  map[ObjectKey]sliceDoc{},
		bySvc:   map[unitKey]map[string]bool{},

		endpoints: map[model.Key]*model.Endpoint{},
	}
}

// Sync follows the cluster cfg reaches until ctx ends, keeping the engine
// it returns through ready in step. It is New(cfg, opts).Run(ctx) for
// callers that need nothing else.
func Sync(ctx context.Context, cfg *rest.Config, opts Options) error {
	return New(cfg, opts).Run(ctx)
}

// Ready tells whether the first full list has been compiled.
func (s *Syncer) Ready() bool {
	select {
	case <-s.ready:
		return true
	default:
		return false
	}
}

// WaitReady waits until the Syncer is ready or ctx ends.
func (s *Syncer) WaitReady(ctx context.Context) error {
	select {
	case <-s.ready:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("kubesync: waiting for the first sync: %w", ctx.Err())
	}
}

// Engine returns the synced engine, or ErrNotReady before the first full
// list has been compiled. The engine changes under the caller as the
// cluster does.
func (s *Syncer) Engine() (*eval.Engine, error) {
	e := s.engine.Load()
	if e == nil {
		return nil, ErrNotReady
	}
	return e, nil
}

// Evaluate decides a flow on the cluster as synced, or answers ErrNotReady.
func (s *Syncer) Evaluate(f model.Flow) (model.Verdict, error) {
	e := s.engine.Load()
	if e == nil {
		return model.Verdict{}, ErrNotReady
	}
	return e.Evaluate(f), nil
}

// Endpoint returns the endpoint in force with that namespace and name: the
// workload endpoint of a pod (namespace/name), or a host endpoint (no
// namespace). Before the Syncer is ready it answers from what has been
// listed so far. The endpoint must not be modified.
func (s *Syncer) Endpoint(namespace, name string) (*model.Endpoint, bool) {
	s.epMu.RLock()
	defer s.epMu.RUnlock()
	for _, kind := range []model.Kind{model.KindWorkloadEndpoint, model.KindHostEndpoint} {
		if ep, ok := s.endpoints[model.Key{Kind: kind, Namespace: namespace, Name: name}]; ok {
			return ep, true
		}
	}
	return nil, false
}

// Status returns how the sync stands now.
func (s *Syncer) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.status
	st.Ready = s.Ready()
	st.Refused = append([]Refusal(nil), s.status.Refused...)
	return st
}

// Run follows the cluster until ctx ends. It returns an error only when it
// cannot start (the cluster cannot be reached for discovery, or the
// clients cannot be made); after that, connection trouble is retried and
// logged, and Run returns nil when ctx ends.
func (s *Syncer) Run(ctx context.Context) error {
	cs, err := kubernetes.NewForConfig(s.cfg)
	if err != nil {
		return fmt.Errorf("kubesync: %w", err)
	}
	dyn, err := dynamic.NewForConfig(s.cfg)
	if err != nil {
		return fmt.Errorf("kubesync: %w", err)
	}
	calicoGVRs, calicoGroup, cnp, err := s.discover(cs.Discovery())
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.status.CalicoGroup, s.status.ClusterNetworkPolicies = calicoGroup, cnp
	s.mu.Unlock()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	factory := informers.NewSharedInformerFactory(cs, 0)
	dfactory := dynamicinformer.NewDynamicSharedInformerFactory(dyn, 0)
	var regs []cache.ResourceEventHandlerRegistration
	add := func(inf cache.SharedIndexInformer, h cache.ResourceEventHandler) error {
		r, err := inf.AddEventHandler(h)
		if err != nil {
			return fmt.Errorf("kubesync: %w", err)
		}
		regs = append(regs, r)
		return nil
	}
	typed := []struct {
		inf  cache.SharedIndexInformer
		kind kindInfo
	}{
		{factory.Core().V1().Namespaces().Informer(), kindNamespace},
		{factory.Core().V1().ServiceAccounts().Informer(), kindServiceAccount},
		{factory.Core().V1().Pods().Informer(), kindPod},
		{factory.Core().V1().Services().Informer(), kindService},
		{factory.Discovery().V1().EndpointSlices().Informer(), kindEndpointSlice},
		{factory.Networking().V1().NetworkPolicies().Informer(), kindKubeNetPol},
	}
	for _, t := range typed {
		if err := add(t.inf, s.typedHandler(t.kind)); err != nil {
			return err
		}
	}
	if cnp {
		gvr := schema.GroupVersionResource{Group: kindClusterNetPol.group, Version: "v1alpha2", Resource: "clusternetworkpolicies"}
		if err := add(dfactory.ForResource(gvr).Informer(), s.dynamicHandler(kindClusterNetPol, false)); err != nil {
			return err
		}
	}
	for _, gvr := range calicoGVRs {
		k := calicoKindsByResource[gvr.Resource]
		k.group = gvr.Group
		if err := add(dfactory.ForResource(gvr).Informer(), s.dynamicHandler(k, true)); err != nil {
			return err
		}
	}

	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.work(ctx)
	}()
	factory.Start(ctx.Done())
	dfactory.Start(ctx.Done())
	defer func() {
		cancel()
		s.queue.close()
		factory.Shutdown()
		dfactory.Shutdown()
		wg.Wait()
	}()

	// Every registration has had its initial list delivered: the marker
	// queued now comes after all of it.
	synced := make([]cache.InformerSynced, len(regs))
	for i, r := range regs {
		synced[i] = r.HasSynced
	}
	if !cache.WaitForCacheSync(ctx.Done(), synced...) {
		return nil
	}
	s.queue.push(event{compile: true})
	<-ctx.Done()
	return nil
}

// discover finds which Calico group is served, its resources Verdict
// reads, and whether ClusterNetworkPolicies are served.
func (s *Syncer) discover(dc discovery.DiscoveryInterface) ([]schema.GroupVersionResource, string, bool, error) {
	groups, err := dc.ServerGroups()
	if err != nil {
		return nil, "", false, fmt.Errorf("kubesync: discovery: %w", err)
	}
	served := map[string]bool{}
	for _, g := range groups.Groups {
		for _, v := range g.Versions {
			served[v.GroupVersion] = true
		}
	}
	cnp := false
	if served[kindClusterNetPol.apiVersion] {
		if rl, err := dc.ServerResourcesForGroupVersion(kindClusterNetPol.apiVersion); err == nil {
			cnp = hasResource(rl, "clusternetworkpolicies")
		}
	}
	if cnp {
		s.log.Info("kubesync: following ClusterNetworkPolicies", "apiVersion", kindClusterNetPol.apiVersion)
	}
	for _, gv := range []string{calicoV3, CalicoCRDGroup + "/v1"} {
		if !served[gv] {
			continue
		}
		rl, err := dc.ServerResourcesForGroupVersion(gv)
		if err != nil {
			return nil, "", false, fmt.Errorf("kubesync: discovery of %s: %w", gv, err)
		}
		parsed, _ := schema.ParseGroupVersion(gv)
		var gvrs []schema.GroupVersionResource
		var names []string
		for _, r := range rl.APIResources {
			if _, ok := calicoKindsByResource[r.Name]; ok {
				gvrs = append(gvrs, parsed.WithResource(r.Name))
				names = append(names, r.Name)
			}
		}
		sort.Strings(names)
		s.log.Info("kubesync: following Calico resources", "apiVersion", gv, "resources", names)
		return gvrs, parsed.Group, cnp, nil
	}
	s.log.Info("kubesync: no Calico API group is served (neither projectcalico.org/v3 nor crd.projectcalico.org/v1); following Kubernetes kinds only")
	return nil, "", cnp, nil
}

func hasResource(rl *metav1.APIResourceList, name string) bool {
	for _, r := range rl.APIResources {
		if r.Name == name {
			return true
		}
	}
	return false
}

// typedHandler turns a typed informer's notifications into events.
func (s *Syncer) typedHandler(k kindInfo) cache.ResourceEventHandler {
	return cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) { s.typedEvent(k, obj, false) },
		UpdateFunc: func(old, obj any) {
			if sameVersion(old, obj) {
				return // a resync or relist handing over what we have
			}
			s.typedEvent(k, obj, false)
		},
		DeleteFunc: func(obj any) { s.typedEvent(k, obj, true) },
	}
}

func (s *Syncer) typedEvent(k kindInfo, obj any, deleted bool) {
	now := time.Now()
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj, deleted = d.Obj, true
	}
	m, err := metaOf(obj)
	if err != nil {
		s.log.Error("kubesync: an informer handed over something that is not an object", "kind", k.kind, "err", err)
		return
	}
	ev := event{kind: k, key: ObjectKey{Group: k.group, Kind: k.kind, Namespace: m.GetNamespace(), Name: m.GetName()}, at: now}
	if es, ok := obj.(*discoveryv1.EndpointSlice); ok {
		ev.service = es.Labels[discoveryv1.LabelServiceName]
	}
	if !deleted {
		if ev.doc, err = typedDoc(k, obj); err != nil {
			s.log.Error("kubesync: cannot encode", "object", ev.key, "err", err)
			return
		}
	}
	s.queue.push(ev)
}

// dynamicHandler turns a dynamic informer's notifications into events.
func (s *Syncer) dynamicHandler(k kindInfo, calico bool) cache.ResourceEventHandler {
	handle := func(obj any, deleted bool) {
		now := time.Now()
		if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj, deleted = d.Obj, true
		}
		u, ok := obj.(*unstructured.Unstructured)
		if !ok {
			s.log.Error("kubesync: an informer handed over something that is not an object", "kind", k.kind, "type", fmt.Sprintf("%T", obj))
			return
		}
		ev := event{kind: k, key: ObjectKey{Group: k.group, Kind: k.kind, Namespace: u.GetNamespace(), Name: u.GetName()}, at: now}
		if calico && k.kind == "Profile" && derivedProfile(u.GetName()) {
			// Calico's API server shows the profiles it makes from
			// Namespaces and ServiceAccounts; they come from those here.
			return
		}
		if !deleted {
			var err error
			if calico {
				ev.doc, err = calicoDoc(u.Object)
			} else {
				ev.doc, err = u.MarshalJSON()
			}
			if err != nil {
				s.log.Error("kubesync: cannot encode", "object", ev.key, "err", err)
				return
			}
		}
		s.queue.push(ev)
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) { handle(obj, false) },
		UpdateFunc: func(old, obj any) {
			if sameVersion(old, obj) {
				return
			}
			handle(obj, false)
		},
		DeleteFunc: func(obj any) { handle(obj, true) },
	}
}

// derivedProfile tells the names of the profiles Calico makes from
// Namespaces (kns.) and ServiceAccounts (ksa.).
func derivedProfile(name string) bool {
	return len(name) > 4 && (name[:4] == "kns." || name[:4] == "ksa.")
}

func metaOf(obj any) (metav1.Object, error) {
	if o, ok := obj.(metav1.Object); ok {
		return o, nil
	}
	return nil, fmt.Errorf("%T", obj)
}

func sameVersion(old, obj any) bool {
	a, err1 := metaOf(old)
	b, err2 := metaOf(obj)
	return err1 == nil && err2 == nil && a.GetResourceVersion() == b.GetResourceVersion()
}
