package compile

import (
	"iter"
	"runtime"
	"slices"
)

// pmap is a persistent hash map: a fixed number of shards, each an ordinary
// Go map that is never modified once a snapshot holds it. An edit copies
// the shards it touches, once per edit however many keys it writes to them,
// and shares the rest with the map it started from. Lookups cost a hash and
// one Go map access, which is why the hot path uses it for addresses.
//
// The shard count grows with the map (64 to 128 keys a shard, up to 4,096
// shards), so copying a shard stays cheap at any size.
type pmap[K comparable, V any] struct {
	shards []map[K]V // len is a power of two; a nil shard is empty
	hash   func(K) uint64
	n      int
}

const (
	pmapTargetShardSize = 64
	pmapMaxShards       = 1 << 12
)

func newPmap[K comparable, V any](hash func(K) uint64) pmap[K, V] {
	return pmap[K, V]{shards: make([]map[K]V, 1), hash: hash}
}

// newPmapFor returns an empty map with the shards n keys will need, so
// that filling it from nothing (a cold compile) grows many small maps
// instead of rehashing one large one and resharding it at the end.
func newPmapFor[K comparable, V any](hash func(K) uint64, n int) pmap[K, V] {
	return pmap[K, V]{shards: make([]map[K]V, shardsFor(n, 1)), hash: hash}
}

// shardsFor returns the shard count, at least from, that keeps n keys
// within twice the target shard size.
func shardsFor(n, from int) int {
	want := from
	for want < pmapMaxShards && n > 2*pmapTargetShardSize*want {
		want *= 2
	}
	return want
}

func (m *pmap[K, V]) shardOf(k K) int {
	return int(m.hash(k) & uint64(len(m.shards)-1))
}

// get returns the value stored under k.
func (m *pmap[K, V]) get(k K) (V, bool) {
	v, ok := m.shards[m.shardOf(k)][k]
	return v, ok
}

// len returns the number of keys.
func (m *pmap[K, V]) len() int { return m.n }

// all yields every key and value, in no particular order.
func (m *pmap[K, V]) all() iter.Seq2[K, V] {
	return func(yield func(K, V) bool) {
		for _, s := range m.shards {
			for k, v := range s {
				if !yield(k, v) {
					return
				}
			}
		}
	}
}

// edit starts a batch of changes; the map itself is left as it is.
// Nothing is copied until the first write.
func (m *pmap[K, V]) edit() *pmapEdit[K, V] {
	return &pmapEdit[K, V]{m: *m}
}

// pmapEdit is one batch of changes to a pmap. Shards it has copied are its
// own and are changed in place; done hands the result over.
type pmapEdit[K comparable, V any] struct {
	m     pmap[K, V]
	owned []bool // nil until the first write copies the shard list
}

func (e *pmapEdit[K, V]) get(k K) (V, bool) { return e.m.get(k) }

func (e *pmapEdit[K, V]) own(i int) map[K]V {
	if e.owned == nil {
		e.m.shards = append([]map[K]V(nil), e.m.shards...)
		e.owned = make([]bool, len(e.m.shards))
	}
	if !e.owned[i] {
		old := e.m.shards[i]
		s := make(map[K]V, len(old)+1)
		for k, v := range old {
			s[k] = v
		}
		e.m.shards[i] = s
		e.owned[i] = true
	}
	return e.m.shards[i]
}

func (e *pmapEdit[K, V]) set(k K, v V) {
	s := e.own(e.m.shardOf(k))
	if _, ok := s[k]; !ok {
		e.m.n++
	}
	s[k] = v
}

func (e *pmapEdit[K, V]) del(k K) {
	i := e.m.shardOf(k)
	if _, ok := e.m.shards[i][k]; !ok {
		return
	}
	delete(e.own(i), k)
	e.m.n--
}

// done returns the edited map. When the map has outgrown its shards they
// are rebuilt, which costs one pass over the map and keeps later edits
// cheap.
func (e *pmapEdit[K, V]) done() pmap[K, V] {
	m := e.m
	if e.owned == nil {
		return m
	}
	if want := shardsFor(m.n, len(m.shards)); want != len(m.shards) {
		m = m.reshard(want)
	}
	e.m = pmap[K, V]{}
	e.owned = nil
	return m
}

func (m pmap[K, V]) reshard(count int) pmap[K, V] {
	out := pmap[K, V]{shards: make([]map[K]V, count), hash: m.hash, n: m.n}
	for _, s := range m.shards {
		for k, v := range s {
			i := out.shardOf(k)
			if out.shards[i] == nil {
				out.shards[i] = make(map[K]V, m.n/count+1)
			}
			out.shards[i][k] = v
		}
	}
	return out
}

// bulkPmap builds a map from scratch from n entries, entry(i) giving the
// i-th key and value (ok false skips it): the entries are sorted into
// their shards, and the shards, each made at its final size, are filled
// in parallel. Entries with one key are combined in order of i, combine
// getting the value so far and the next; a cold compile builds its
// largest maps this way instead of key by key. entry is called twice per
// entry, from several goroutines.
func bulkPmap[K comparable, V any](hash func(K) uint64, n int, entry func(i int) (K, V, bool), combine func(old, v V) V) pmap[K, V] {
	count := shardsFor(n, 1)
	m := pmap[K, V]{shards: make([]map[K]V, count), hash: hash}
	workers := min(runtime.GOMAXPROCS(0), max(1, n/parallelBulk))
	const skip = ^uint16(0)
	shardOf := make([]uint16, n) // pmapMaxShards fits, and skip is none
	inParallel(n, workers, func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			k, _, ok := entry(i)
			if !ok {
				shardOf[i] = skip
				continue
			}
			shardOf[i] = uint16(hash(k) & uint64(count-1))
		}
	})
	start := make([]int32, count+1)
	for _, s := range shardOf {
		if s != skip {
			start[s+1]++
		}
	}
	for s := range count {
		start[s+1] += start[s]
	}
	order := make([]int32, start[count])
	next := slices.Clone(start[:count])
	for i, s := range shardOf {
		if s != skip {
			order[next[s]] = int32(i)
			next[s]++
		}
	}
	sizes := make([]int, workers)
	inParallel(count, workers, func(w, lo, hi int) {
		for s := lo; s < hi; s++ {
			if start[s] == start[s+1] {
				continue
			}
			sm := make(map[K]V, start[s+1]-start[s])
			for _, i := range order[start[s]:start[s+1]] {
				k, v, _ := entry(int(i))
				if old, ok := sm[k]; ok {
					v = combine(old, v)
				}
				sm[k] = v
			}
			m.shards[s] = sm
			sizes[w] += len(sm)
		}
	})
	for _, n := range sizes {
		m.n += n
	}
	return m
}

// parallelBulk is how many entries each worker must have before bulkPmap
// spreads the work.
const parallelBulk = 4096
