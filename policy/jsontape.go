package policy

import (
	"bytes"
	"io"
	"unicode/utf8"
)

// jsonTape sits between a JSON input and its json.Decoder and keeps the
// text the decoder has read from the earliest offset still wanted on,
// and where in the file that offset is. A value's text is then the tape
// between its start and end offsets (the decoder hands out no text for a
// value it walks token by token), and a List's items are forgotten as
// they are read, so that the tape never holds the List whole.
type jsonTape struct {
	r    io.Reader
	base int64  // the input offset of buf[from]
	buf  []byte // text read, kept from buf[from] on
	from int
	// line and column are where base is in the file, 1-based; the column
	// counts characters, as YAML's do.
	line, column int
}

func newJSONTape(r io.Reader) *jsonTape { return &jsonTape{r: r, line: 1, column: 1} }

func (t *jsonTape) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	t.buf = append(t.buf, p[:n]...)
	return n, err
}

// end is the input offset just past the text read so far.
func (t *jsonTape) end() int64 { return t.base + int64(len(t.buf)-t.from) }

// text returns the text between input offsets from and to, which must
// not have been forgotten. It is the tape's own memory: copy what is
// kept.
func (t *jsonTape) text(from, to int64) []byte {
	return t.buf[t.from+int(from-t.base) : t.from+int(to-t.base)]
}

// forget drops the text before input offset off, moving the position
// over it.
func (t *jsonTape) forget(off int64) {
	if off <= t.base {
		return
	}
	gone := t.text(t.base, off)
	if i := bytes.LastIndexByte(gone, '\n'); i >= 0 {
		t.line += bytes.Count(gone, []byte("\n"))
		t.column = utf8.RuneCount(gone[i+1:]) + 1
	} else {
		t.column += utf8.RuneCount(gone)
	}
	t.from += len(gone)
	t.base = off
	// Move what is kept to the front once it is the smaller half, and
	// let a buffer that held one large value go.
	if kept := len(t.buf) - t.from; t.from >= kept {
		if cap(t.buf) > 1<<20 && kept < cap(t.buf)/8 {
			t.buf = append(make([]byte, 0, max(2*kept, 64<<10)), t.buf[t.from:]...)
		} else {
			t.buf = t.buf[:copy(t.buf, t.buf[t.from:])]
		}
		t.from = 0
	}
}

// valueStart is the input offset of the first byte at or after off that
// is not white space or a separator (, and :) that the decoder reads
// lazily; off must not have been forgotten.
func (t *jsonTape) valueStart(off int64) int64 {
	return off + int64(jsonValueStart(t.text(off, t.end()), 0))
}
