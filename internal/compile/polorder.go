package compile

import "slices"

// policyOrder is a sorted list of policies kept in chunks that are never
// modified once a table holds them. A policy coming or going copies the
// chunk it lands in and the list of chunks, a few hundred words at 100k
// policies, instead of the whole order, and every other chunk is shared
// with the tables before.
type policyOrder struct {
	chunks [][]*policyRec // each non-empty, in order
	n      int
}

// orderChunk is the length of the chunks of a freshly built order; a
// chunk that grows to twice that is split in two.
const orderChunk = 128

// newPolicyOrder returns the order holding sorted, which it keeps.
func newPolicyOrder(sorted []*policyRec) policyOrder {
	o := policyOrder{n: len(sorted)}
	for lo := 0; lo < len(sorted); lo += orderChunk {
		o.chunks = append(o.chunks, slices.Clip(sorted[lo:min(lo+orderChunk, len(sorted))]))
	}
	return o
}

func (o *policyOrder) len() int { return o.n }

// all returns the policies in order, in a new slice.
func (o *policyOrder) all() []*policyRec {
	out := make([]*policyRec, 0, o.n)
	for _, c := range o.chunks {
		out = append(out, c...)
	}
	return out
}

// search returns where p is or would go: the chunk and the index in it
// of the first policy not before p, and whether that policy is p's equal.
// When every policy comes before p it is the last chunk's end.
func (o *policyOrder) search(p *policyRec, cmp func(a, b *policyRec) int) (c, i int, found bool) {
	c, _ = slices.BinarySearchFunc(o.chunks, p, func(ch []*policyRec, p *policyRec) int {
		return cmp(ch[len(ch)-1], p)
	})
	if c == len(o.chunks) {
		if c == 0 {
			return 0, 0, false
		}
		c--
		return c, len(o.chunks[c]), false
	}
	i, found = slices.BinarySearchFunc(o.chunks[c], p, cmp)
	return c, i, found
}

// edit starts a batch of changes, copying the list of chunks.
func (o *policyOrder) edit() *policyOrder {
	return &policyOrder{chunks: slices.Clone(o.chunks), n: o.n}
}

// remove takes p out of an order being edited; it reports false when p
// is not where cmp places it.
func (o *policyOrder) remove(p *policyRec, cmp func(a, b *policyRec) int) bool {
	c, i, found := o.search(p, cmp)
	if !found || o.chunks[c][i] != p {
		return false
	}
	if len(o.chunks[c]) == 1 {
		o.chunks = slices.Delete(o.chunks, c, c+1)
	} else {
		ch := make([]*policyRec, 0, len(o.chunks[c])-1)
		ch = append(ch, o.chunks[c][:i]...)
		o.chunks[c] = append(ch, o.chunks[c][i+1:]...)
	}
	o.n--
	return true
}

// insert puts p in its place in an order being edited and returns its
// neighbours, nil at either end.
func (o *policyOrder) insert(p *policyRec, cmp func(a, b *policyRec) int) (prev, next *policyRec) {
	o.n++
	if len(o.chunks) == 0 {
		o.chunks = [][]*policyRec{{p}}
		return nil, nil
	}
	c, i, _ := o.search(p, cmp)
	old := o.chunks[c]
	if i > 0 {
		prev = old[i-1]
	} else if c > 0 {
		prev = o.chunks[c-1][len(o.chunks[c-1])-1]
	}
	if i < len(old) {
		next = old[i]
	} else if c+1 < len(o.chunks) {
		next = o.chunks[c+1][0]
	}
	ch := make([]*policyRec, 0, len(old)+1)
	ch = append(ch, old[:i]...)
	ch = append(ch, p)
	ch = append(ch, old[i:]...)
	if len(ch) < 2*orderChunk {
		o.chunks[c] = ch
		return prev, next
	}
	half := len(ch) / 2
	o.chunks[c] = slices.Clip(ch[:half])
	o.chunks = slices.Insert(o.chunks, c+1, ch[half:])
	return prev, next
}
