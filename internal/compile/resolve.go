package compile

import (
	"cmp"
	"encoding/binary"
	"slices"
	"sync"
)

// tierCache shares resolved tiers between the classes of one batch: label
// sets that differ in some tiers often agree in others (every endpoint
// has the same cluster-wide admin tier, say), and a shared tier costs its
// policy list and classifier once. Classes are resolved in parallel, so
// it is locked.
//
// It also keeps whole resolved lists by the policies they hold: label sets
// differing only in labels no policy selector looks at (a pod template
// hash, a feature flag) apply the same policies, and then resolving costs
// one lookup. Before that, lists are kept by the policy selectors a label
// set matches, which a class lists already, so that a label set matching
// the same ones as another costs a lookup without loading any policy.
type tierCache struct {
	mu     sync.Mutex
	m      map[string]resolvedTier
	lists  map[string][2]*resolved
	bySels map[string][2]*resolved
}

func newTierCache() *tierCache {
	return &tierCache{m: map[string]resolvedTier{}, lists: map[string][2]*resolved{}, bySels: map[string][2]*resolved{}}
}

// sels returns the resolved lists stored under key, the ids of the
// policy selectors matched.
func (c *tierCache) sels(key []byte) ([2]*resolved, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	l, ok := c.bySels[string(key)]
	return l, ok
}

// putSels stores resolved lists under the policy selectors matched.
func (c *tierCache) putSels(key []byte, l [2]*resolved) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.bySels[string(key)] = l
}

// list returns the resolved lists stored under key, the ids of the
// policies they hold in order.
func (c *tierCache) list(key []byte) ([2]*resolved, bool) {
	if c == nil {
		return [2]*resolved{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	l, ok := c.lists[string(key)]
	return l, ok
}

// putList stores resolved lists under key.
func (c *tierCache) putList(key []byte, l [2]*resolved) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lists[string(key)] = l
}

func (c *tierCache) get(key []byte) (resolvedTier, bool) {
	if c == nil {
		return resolvedTier{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.m[string(key)]
	return t, ok
}

// put stores t under key, or returns the tier another worker stored
// first, so that both classes share one.
func (c *tierCache) put(key []byte, t resolvedTier) resolvedTier {
	if c == nil {
		return t
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.m[string(key)]; ok {
		return old
	}
	c.m[string(key)] = t
	return t
}

// resolver resolves label sets against one state of the selectors and
// policies: which policies each selector applies, in which order, in
// which tiers. shared is the batch's cache, for calls that do not keep
// their own.
type resolver struct {
	policySels []uint64
	sel        func(uint32) *selInfo
	ranks      policyRanks
	tier       func(string) *tierRec
	shared     *tierCache
}

// resolve is the package's resolve with the resolver's state.
func (r *resolver) resolve(matched []uint32, cache *tierCache) [2]*resolved {
	return resolve(matched, r.policySels, r.sel, r.ranks, r.tier, cache)
}

// ranked is a policy with its place in evaluation order.
type ranked struct {
	rank uint64
	p    *policyRec
}

// resolve builds the resolved lists of a label set from the selectors it
// matches: the policies applying with those selectors that take part in
// normal evaluation, per direction, grouped by tier in tier order and
// sorted inside each tier (SPEC 3). Lists and tiers equal to one in cache
// are shared; cache may be nil.
func resolve(matched []uint32, policySels []uint64, sel func(uint32) *selInfo, ranks policyRanks,
	tier func(string) *tierRec, cache *tierCache) [2]*resolved {
	if cache == nil {
		return resolveFresh(matched, policySels, sel, ranks, tier, nil)
	}
	var buf [128]byte
	key := buf[:0]
	for _, s := range matched {
		if hasBit(policySels, s) {
			key = binary.LittleEndian.AppendUint32(key, s)
		}
	}
	if len(key) == 0 {
		return [2]*resolved{}
	}
	if l, ok := cache.sels(key); ok {
		return l
	}
	out := resolveFresh(matched, policySels, sel, ranks, tier, cache)
	cache.putSels(key, out)
	return out
}

// resolveFresh is resolve without the cache by policy selectors.
func resolveFresh(matched []uint32, policySels []uint64, sel func(uint32) *selInfo, ranks policyRanks,
	tier func(string) *tierRec, cache *tierCache) [2]*resolved {
	var polBuf [16]ranked
	pols := polBuf[:0]
	for _, s := range matched {
		if w := int(s >> 6); w >= len(policySels) || policySels[w]&(1<<(s&63)) == 0 {
			continue // a peer selector only
		}
		for _, p := range sel(s).policies {
			pols = append(pols, ranked{ranks.of(p), p})
		}
	}
	var out [2]*resolved
	if len(pols) == 0 {
		return out
	}
	slices.SortFunc(pols, func(a, b ranked) int { return cmp.Compare(a.rank, b.rank) })
	var listBuf [64]byte
	var listKey []byte
	if cache != nil {
		listKey = listBuf[:0]
		for _, rp := range pols {
			listKey = binary.LittleEndian.AppendUint32(listKey, rp.p.id)
		}
		if l, ok := cache.list(listKey); ok {
			return l
		}
		defer func() { cache.putList(listKey, out) }()
	}
	var keyBuf [96]byte
	key := keyBuf[:0]
	for _, d := range [2]dirIndex{dirIngress, dirEgress} {
		var tiers []resolvedTier
		staged := false
		for i := 0; i < len(pols); {
			j := i + 1
			for j < len(pols) && pols[j].p.tier == pols[i].p.tier {
				j++
			}
			var t resolvedTier
			var ok bool
			if t, ok, key = buildTier(pols[i:j], d, tier(pols[i].p.tier), cache, key); ok {
				tiers = append(tiers, t)
				staged = staged || t.staged
			}
			i = j
		}
		if len(tiers) > 0 {
			out[d] = &resolved{tiers: slices.Clip(tiers), staged: staged}
		}
	}
	return out
}

// buildTier builds one tier of a resolved list from its policies (all of
// tier tr, in order), keeping those governing d; ok is false when none
// does. key is scratch space for the cache key (the direction, the tier
// and the ids of its policies), returned for reuse.
func buildTier(pols []ranked, d dirIndex, tr *tierRec, cache *tierCache, key []byte) (resolvedTier, bool, []byte) {
	n := 0
	key = append(key[:0], byte(d))
	key = append(key, tr.model.Name...)
	for _, rp := range pols {
		if rp.p.governs(d) {
			n++
			key = binary.LittleEndian.AppendUint32(key, rp.p.id)
		}
	}
	if n == 0 {
		return resolvedTier{}, false, key
	}
	if t, ok := cache.get(key); ok {
		return t, true, key
	}
	t := resolvedTier{name: tr.model.Name, pass: tr.pass, firstEnforced: -1, policies: make([]polRef, 0, n)}
	for _, rp := range pols {
		p := rp.p
		if !p.governs(d) {
			continue
		}
		if !p.staged && t.firstEnforced < 0 {
			t.firstEnforced = int32(len(t.policies))
		}
		t.policies = append(t.policies, polRef{rules: p.rules[d], sum: p.sums[d], staged: p.staged, p: p})
		t.staged = t.staged || p.staged
	}
	t.classify = newClassifier(t.policies, d)
	return cache.put(key, t), true, key
}
