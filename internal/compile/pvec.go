package compile

const (
	chunkBits = 7
	chunkSize = 1 << chunkBits
	chunkMask = chunkSize - 1
)

// pvec is a persistent vector indexed by small integer ids: fixed-size
// chunks that are never modified once a snapshot holds them. An edit copies
// the chunks it touches, once per edit, and shares the rest. A read is two
// loads.
type pvec[T any] struct {
	chunks []*[chunkSize]T
	n      int
}

// get returns element i; the caller keeps i below len.
func (v *pvec[T]) get(i uint32) T {
	return v.chunks[i>>chunkBits][i&chunkMask]
}

func (v *pvec[T]) len() int { return v.n }

// edit starts a batch of changes; nothing is copied until the first
// write.
func (v *pvec[T]) edit() *pvecEdit[T] {
	return &pvecEdit[T]{v: *v}
}

// pvecEdit is one batch of changes to a pvec.
type pvecEdit[T any] struct {
	v     pvec[T]
	owned map[int]bool // nil until the first write copies the chunk list
}

func (e *pvecEdit[T]) start() {
	if e.owned == nil {
		e.v.chunks = append([]*[chunkSize]T(nil), e.v.chunks...)
		e.owned = make(map[int]bool)
	}
}

func (e *pvecEdit[T]) get(i uint32) T { return e.v.get(i) }

func (e *pvecEdit[T]) len() int { return e.v.n }

func (e *pvecEdit[T]) set(i uint32, x T) {
	e.start()
	c := int(i >> chunkBits)
	if !e.owned[c] {
		cp := *e.v.chunks[c]
		e.v.chunks[c] = &cp
		e.owned[c] = true
	}
	e.v.chunks[c][i&chunkMask] = x
}

// push appends x and returns its index.
func (e *pvecEdit[T]) push(x T) uint32 {
	e.start()
	i := e.v.n
	if i&chunkMask == 0 {
		e.v.chunks = append(e.v.chunks, new([chunkSize]T))
		e.owned[i>>chunkBits] = true
	}
	e.v.n++
	e.set(uint32(i), x)
	return uint32(i)
}

func (e *pvecEdit[T]) done() pvec[T] {
	v := e.v
	e.v = pvec[T]{}
	e.owned = nil
	return v
}
