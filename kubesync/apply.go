package kubesync

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/verdictlabs/verdict/eval"
	"github.com/verdictlabs/verdict/model"
)

// work applies events one at a time, in the order the informers handed
// them over, until the queue closes.
func (s *Syncer) work(ctx context.Context) {
	for {
		evs, ok := s.queue.take()
		if !ok || ctx.Err() != nil {
			return
		}
		for _, ev := range evs {
			s.handle(ev)
		}
	}
}

// target is one unit an event changes, with the documents it now holds
// (nil when it no longer exists).
type target struct {
	unit unitKey
	kind kindInfo
	docs [][]byte
}

func (s *Syncer) handle(ev event) {
	if ev.compile {
		s.compile()
		return
	}
	refused := false
	for _, t := range s.targets(ev) {
		if !s.update(t) {
			refused = true
		}
	}
	if s.engine.Load() == nil {
		return
	}
	lag := time.Since(ev.at)
	s.mu.Lock()
	s.status.LastLag = lag
	s.mu.Unlock()
	if s.opts.OnApply != nil {
		s.opts.OnApply(lag, refused)
	}
}

// targets works out the units an event changes. Most objects are a unit
// of their own; a Service and its EndpointSlices make one, so a slice
// moving between services changes two.
func (s *Syncer) targets(ev event) []target {
	switch ev.kind.kind {
	case kindService.kind:
		u := unitKey{Kind: kindService.kind, Namespace: ev.key.Namespace, Name: ev.key.Name}
		if ev.doc == nil {
			delete(s.svcDocs, u)
		} else {
			s.svcDocs[u] = ev.doc
		}
		return []target{s.serviceTarget(u)}
	case kindEndpointSlice.kind:
		var out []target
		if old, ok := s.slices[ev.key]; ok && old.service != "" {
			u := unitKey{Kind: kindService.kind, Namespace: ev.key.Namespace, Name: old.service}
			delete(s.bySvc[u], ev.key.Name)
			if ev.doc == nil || old.service != ev.service {
				out = append(out, s.serviceTarget(u))
			}
		}
		if ev.doc == nil {
			delete(s.slices, ev.key)
			return out
		}
		s.slices[ev.key] = sliceDoc{service: ev.service, doc: ev.doc}
		if ev.service == "" {
			return out // a slice of no service gives nothing
		}
		u := unitKey{Kind: kindService.kind, Namespace: ev.key.Namespace, Name: ev.service}
		if s.bySvc[u] == nil {
			s.bySvc[u] = map[string]bool{}
		}
		s.bySvc[u][ev.key.Name] = true
		return append(out, s.serviceTarget(u))
	}
	t := target{unit: ev.key, kind: ev.kind}
	if ev.doc != nil {
		t.docs = [][]byte{ev.doc}
	}
	return []target{t}
}

// serviceTarget gathers a service's Service and EndpointSlice documents,
// slices in name order so that a service's model does not depend on the
// order events came in.
func (s *Syncer) serviceTarget(u unitKey) target {
	t := target{unit: u, kind: kindService}
	if d, ok := s.svcDocs[u]; ok {
		t.docs = append(t.docs, d)
	}
	names := make([]string, 0, len(s.bySvc[u]))
	for n := range s.bySvc[u] {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t.docs = append(t.docs, s.slices[ObjectKey{Group: kindEndpointSlice.group, Kind: kindEndpointSlice.kind, Namespace: u.Namespace, Name: n}].doc)
	}
	if len(names) == 0 {
		delete(s.bySvc, u)
	}
	return t
}

// update decodes a unit's documents and puts what they give in force,
// replacing what the unit gave before. It returns false when the decoder
// or the engine refuses, leaving the last good version in force.
func (s *Syncer) update(t target) bool {
	var frag model.Set
	if t.docs != nil {
		var err error
		if frag, err = decodeUnit(t.kind, t.unit.Name, t.docs); err != nil {
			s.refuse(t, err, false)
			return false
		}
	}
	keys := frag.Keys()
	for _, k := range keys {
		if o, ok := s.owner[k]; ok && o != t.unit {
			s.refuse(t, fmt.Errorf("%s is already given by %s", k, o), true)
			return false
		}
	}
	old := s.units[t.unit]
	var oldKeys []model.Key
	if old != nil {
		oldKeys = old.keys
	}
	eng := s.engine.Load()
	if eng != nil {
		if err := eng.Apply(model.Change{Upserts: frag, Deletes: missing(oldKeys, keys)}); err != nil {
			s.refuse(t, err, true)
			return false
		}
	}
	for _, k := range oldKeys {
		delete(s.owner, k)
	}
	s.indexEndpoints(oldKeys, frag.Endpoints)
	if t.docs == nil {
		delete(s.units, t.unit)
	} else {
		u := &unit{kind: t.kind, keys: keys}
		if eng == nil {
			u.frag, u.docs = frag, t.docs
		}
		s.units[t.unit] = u
		for _, k := range keys {
			s.owner[k] = t.unit
		}
	}
	if _, was := s.refused[t.unit]; was {
		delete(s.refused, t.unit)
		s.log.Info("kubesync: now in force", "object", t.unit)
		s.publishRefusals()
	}
	if eng != nil {
		s.mu.Lock()
		s.status.Applied++
		s.status.LastApplied = time.Now()
		s.mu.Unlock()
		if !s.retrying && (touches(oldKeys) || touches(keys)) {
			s.retry()
		}
	}
	return true
}

// touches tells whether keys hold a tier or a policy: what a unit the
// engine refused usually waits for (a policy for its tier, a tier's
// deletion for its policies to go).
func touches(keys []model.Key) bool {
	for _, k := range keys {
		switch k.Kind {
		case model.KindGlobalNetworkPolicy, model.KindNetworkPolicy, model.KindStagedGlobalNetworkPolicy,
			model.KindStagedNetworkPolicy, model.KindStagedKubernetesNetworkPolicy,
			model.KindKubernetesNetworkPolicy, model.KindKubernetesClusterNetworkPolicy:
			return true
		}
		if k.Kind == model.KindTier {
			return true
		}
	}
	return false
}

// retry tries again every unit the engine (not the decoder) refused.
func (s *Syncer) retry() {
	var again []target
	for u, p := range s.refused {
		if p.byEngine {
			again = append(again, target{unit: u, kind: p.kind, docs: p.docs})
		}
	}
	if len(again) == 0 {
		return
	}
	sort.Slice(again, func(i, j int) bool { return again[i].unit.String() < again[j].unit.String() })
	s.retrying = true
	defer func() { s.retrying = false }()
	for _, t := range again {
		s.update(t)
	}
}

// refuse records that a unit's current version is not in force, and logs
// it when the reason is new.
func (s *Syncer) refuse(t target, err error, byEngine bool) {
	reason := err.Error()
	p := s.refused[t.unit]
	if p == nil || p.refusal.Reason != reason {
		s.log.Warn("kubesync: refused; the last good version stays in force", "object", t.unit, "reason", reason)
		p = &pending{refusal: Refusal{Object: t.unit, Reason: reason, Since: time.Now()}}
		s.refused[t.unit] = p
	}
	p.kind, p.docs, p.byEngine = t.kind, t.docs, byEngine
	s.publishRefusals()
}

func (s *Syncer) publishRefusals() {
	out := make([]Refusal, 0, len(s.refused))
	for _, p := range s.refused {
		out = append(out, p.refusal)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Object.String() < out[j].Object.String() })
	s.mu.Lock()
	s.status.Refused = out
	s.mu.Unlock()
}

// compile builds the engine from everything listed, once. Policies whose
// tier is not in the cluster are refused first (they would fail the whole
// compile); should the compile still fail, the units are applied one at a
// time so that only the culprits are left out.
func (s *Syncer) compile() {
	start := time.Now()
	keys := make([]unitKey, 0, len(s.units))
	for u := range s.units {
		keys = append(keys, u)
	}
	sort.Slice(keys, func(i, j int) bool {
		ri, rj := rank(s.units[keys[i]].kind), rank(s.units[keys[j]].kind)
		if ri != rj {
			return ri < rj
		}
		return keys[i].String() < keys[j].String()
	})
	tiers := map[string]bool{}
	for _, t := range model.BuiltinTiers() {
		tiers[t.Name] = true
	}
	for _, u := range keys {
		for _, t := range s.units[u].frag.Tiers {
			tiers[t.Name] = true
		}
	}
	var set model.Set
	var kept []unitKey
	for _, u := range keys {
		un := s.units[u]
		if p := missingTier(&un.frag, tiers); p != nil {
			s.drop(u, un, fmt.Errorf("%s: names tier %q, which does not exist", p.Key(), p.Tier))
			continue
		}
		set.Append(&un.frag)
		kept = append(kept, u)
	}
	eng, err := eval.New(set)
	if err != nil {
		s.log.Warn("kubesync: the first compile failed; adding objects one at a time to find the culprits", "err", err)
		if eng, err = eval.New(model.Set{}); err != nil {
			s.log.Error("kubesync: cannot compile an empty set", "err", err)
			return
		}
		for _, u := range kept {
			un := s.units[u]
			if err := eng.Apply(model.Change{Upserts: un.frag}); err != nil {
				s.drop(u, un, err)
			}
		}
	}
	for _, un := range s.units {
		un.frag, un.docs = model.Set{}, nil
	}
	s.engine.Store(eng)
	s.mu.Lock()
	s.status.LastApplied = time.Now()
	s.mu.Unlock()
	close(s.ready)
	s.log.Info("kubesync: ready", "objects", len(s.units), "refused", len(s.refused), "took", time.Since(start).Round(time.Millisecond))
}

// drop takes a unit out before the first compile and records it as
// refused by the engine, to be tried again later.
func (s *Syncer) drop(u unitKey, un *unit, err error) {
	for _, k := range un.keys {
		delete(s.owner, k)
	}
	s.indexEndpoints(un.keys, nil)
	delete(s.units, u)
	s.refuse(target{unit: u, kind: un.kind, docs: un.docs}, err, true)
}

// missingTier returns a policy of the fragment whose tier is not known.
func missingTier(frag *model.Set, tiers map[string]bool) *model.Policy {
	for i := range frag.Policies {
		if !tiers[frag.Policies[i].Tier] {
			return &frag.Policies[i]
		}
	}
	return nil
}

// rank orders kinds so that what others refer to comes first when units
// are applied one at a time.
func rank(k kindInfo) int {
	switch k.kind {
	case "Tier":
		return 0
	case kindNamespace.kind, kindServiceAccount.kind, "Profile", "GlobalNetworkSet", "NetworkSet":
		return 1
	case kindPod.kind, "HostEndpoint", kindService.kind:
		return 3
	}
	return 2
}

// indexEndpoints replaces the endpoints a unit gave (among old) with eps
// in the index Endpoint reads.
func (s *Syncer) indexEndpoints(old []model.Key, eps []model.Endpoint) {
	s.epMu.Lock()
	defer s.epMu.Unlock()
	for _, k := range old {
		if k.Kind == model.KindWorkloadEndpoint || k.Kind == model.KindHostEndpoint {
			delete(s.endpoints, k)
		}
	}
	for i := range eps {
		s.endpoints[eps[i].Key()] = &eps[i]
	}
}
