package workload

import "math/rand/v2"

// Streams of one seed. Each part of a cluster draws from its own stream, so
// that asking for more of one thing (flows, say) leaves the rest alone.
const (
	streamResources uint64 = iota + 1
	streamPolicies
	streamFlows
	streamChanges
)

// rng is a seeded PCG generator with the helpers generation needs.
type rng struct{ *rand.Rand }

func newRNG(seed, stream uint64) *rng {
	// The stream is mixed with a constant so that stream 0 of seed 0 is
	// not PCG's all-zero state.
	return &rng{rand.New(rand.NewPCG(seed, stream*0x9e3779b97f4a7c15+0x2545f4914f6cdd1d))}
}

// chance reports true with probability p.
func (r *rng) chance(p float64) bool { return r.Float64() < p }

// between returns an integer in [lo, hi].
func (r *rng) between(lo, hi int) int {
	if hi <= lo {
		return lo
	}
	return lo + r.IntN(hi-lo+1)
}

// pick returns a random element of a non-empty slice.
func pick[T any](r *rng, xs []T) T { return xs[r.IntN(len(xs))] }

// sample returns n distinct elements of xs (all of them when n is larger),
// in the order xs holds them.
func sample[T any](r *rng, xs []T, n int) []T {
	if n >= len(xs) {
		return append([]T(nil), xs...)
	}
	chosen := make([]bool, len(xs))
	for _, i := range r.Perm(len(xs))[:n] {
		chosen[i] = true
	}
	out := make([]T, 0, n)
	for i, x := range xs {
		if chosen[i] {
			out = append(out, x)
		}
	}
	return out
}

// weighted returns an index drawn with the given relative weights.
func (r *rng) weighted(weights ...int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := r.IntN(total)
	for i, w := range weights {
		if n < w {
			return i
		}
		n -= w
	}
	return len(weights) - 1
}

// token returns n characters of the alphabet Kubernetes uses for generated
// name suffixes (no vowels, no look-alike digits).
func (r *rng) token(n int) string {
	const alphabet = "bcdfghjklmnpqrstvwxz2456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}
