package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/verdictlabs/verdict/policy/internal/resource"
)

// A JSON List (kubectl get -o json of a whole cluster) is one value, and
// reading it whole holds its text several times over (the decoder's
// buffer, the value's copy, a second pass to find the items) and then a
// tree of maps some ten times its size. Instead an object is walked key
// by key as the decoder reads it, and the items of its "items" array are
// read one at a time, each into a text of its own: the text of the items
// is all that is held of a List (their problems need it for positions),
// and they are decoded one at a time as they are loaded. Whether the
// object is a List is known only at its end (kubectl writes kind after
// the items), so until then its text is kept in pieces from which any
// object that turns out not to be one is put back together exactly.

// jsonObject is an object being walked: its text so far, without the
// items of a List, which each keep their own.
type jsonObject struct {
	start, from  int64 // the input offsets of its { and of the text not yet in skel
	line, column int   // where the { is in the file

	skel      []byte    // the object's text, less its items
	holes     []int     // where in skel each item's text belongs
	items     []*docPos // the items' texts and where they are
	fields    []jsonKV  // every field but a List's items
	listed    bool      // "items" is an array, read one item at a time
	itemsSeen bool      // the object has an "items" field
}

// jsonKV is one field of an object and its text.
type jsonKV struct {
	key string
	raw json.RawMessage
}

// text returns the object's text read so far, items in place.
func (o *jsonObject) text(t *jsonTape, end int64) []byte {
	n := len(o.skel) + int(end-o.from)
	for _, it := range o.items {
		n += len(it.raw)
	}
	out := make([]byte, 0, n)
	at := 0
	for i, h := range o.holes {
		out = append(append(out, o.skel[at:h]...), o.items[i].raw...)
		at = h
	}
	out = append(out, o.skel[at:]...)
	return append(out, t.text(o.from, end)...)
}

// decodeJSON reads the next JSON value: an object key by key (see
// jsonObject), anything else whole. It refuses an object that gives a
// key twice, as YAML does: encoding/json would keep the last silently.
// The end of the input is io.EOF, unwrapped.
func (d *docReader) decodeJSON(doc int) (any, error) {
	dec, t := d.jdec, d.tape
	t.forget(dec.InputOffset())
	pre := dec.InputOffset()
	tok, err := dec.Token()
	if err == io.EOF {
		return nil, err
	}
	start := t.valueStart(pre)
	if err != nil {
		return nil, d.jsonError(doc, err, start, nil)
	}
	if tok == json.Delim('{') {
		return d.jsonObject(doc, start)
	}
	if delim, ok := tok.(json.Delim); ok {
		if err := d.jsonRest(delim); err != nil {
			return nil, d.jsonError(doc, err, start, nil)
		}
	}
	// An array or a plain value: its text is on the tape whole.
	t.forget(start)
	pos := &docPos{raw: bytes.Clone(t.text(start, dec.InputOffset())), line: t.line, column: t.column, isJSON: true}
	if err := checkKeys(pos.raw, "", start); err != nil {
		return nil, jsonReadError(doc, err, 0)
	}
	var v any
	if err := json.Unmarshal(pos.raw, &v); err != nil {
		return nil, jsonReadError(doc, err, start+syntaxOffset(err)-1)
	}
	d.last = pos
	return v, nil
}

// jsonRest reads the rest of the array or object that delim opened.
func (d *docReader) jsonRest(delim json.Delim) error {
	for depth := 1; depth > 0; {
		tok, err := d.jdec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
	return nil
}

// jsonValue reads the next value whole, at path in its document,
// refusing keys given twice. It returns its text and the input offset
// where it starts.
func (d *docReader) jsonValue(path string) (json.RawMessage, int64, error) {
	var raw json.RawMessage
	if err := d.jdec.Decode(&raw); err != nil {
		return nil, 0, err
	}
	start := d.jdec.InputOffset() - int64(len(raw))
	if err := checkKeys(raw, path, start); err != nil {
		return nil, 0, err
	}
	return raw, start, nil
}

// checkKeys refuses a key given twice in raw, the value at path in its
// document, which starts at input offset start.
func checkKeys(raw []byte, path string, start int64) error {
	err := resource.CheckDuplicateKeys(raw)
	var de *resource.DuplicateKeyError
	if errors.As(err, &de) {
		de.Offset += int(start)
		switch {
		case de.Path == "" || path == "":
			de.Path = path + de.Path
		case strings.HasPrefix(de.Path, "["):
			de.Path = path + de.Path
		default:
			de.Path = path + "." + de.Path
		}
	}
	return err
}

// jsonObject reads the rest of the object whose { is at input offset
// start: a *listStream for a List of at least streamListMin bytes, else
// the object decoded, its text in d.last.
func (d *docReader) jsonObject(doc int, start int64) (any, error) {
	dec, t := d.jdec, d.tape
	t.forget(start)
	o := &jsonObject{start: start, from: start, line: t.line, column: t.column}
	fail := func(err error) error { return d.jsonError(doc, err, start, o) }
	var seen map[string]bool
	for dec.More() {
		pre := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return nil, fail(err)
		}
		key, _ := tok.(string)
		if o.has(key, &seen) {
			return nil, fail(&resource.DuplicateKeyError{Path: key, Key: key, Offset: int(t.valueStart(pre))})
		}
		if key != "items" {
			raw, _, err := d.jsonValue(key)
			if err != nil {
				return nil, fail(err)
			}
			o.fields = append(o.fields, jsonKV{key, raw})
			continue
		}
		// The decoder cannot look past the colon without reading the
		// value's first token, so the items are read token first.
		pre = dec.InputOffset()
		tok, err = dec.Token()
		if err != nil {
			return nil, fail(err)
		}
		at := t.valueStart(pre)
		if tok != json.Delim('[') {
			if delim, ok := tok.(json.Delim); ok {
				if err := d.jsonRest(delim); err != nil {
					return nil, fail(err)
				}
			}
			raw := bytes.Clone(t.text(at, dec.InputOffset()))
			if err := checkKeys(raw, key, at); err != nil {
				return nil, fail(err)
			}
			o.fields = append(o.fields, jsonKV{key, raw})
			continue
		}
		o.listed = true
		for i := 0; dec.More(); i++ {
			raw, at, err := d.jsonValue("items[" + strconv.Itoa(i) + "]")
			if err != nil {
				return nil, fail(err)
			}
			o.skel = append(o.skel, t.text(o.from, at)...)
			o.holes = append(o.holes, len(o.skel))
			t.forget(at)
			o.items = append(o.items, &docPos{raw: raw, line: t.line, column: t.column, isJSON: true})
			o.from = at + int64(len(raw))
			t.forget(o.from)
		}
		if _, err := dec.Token(); err != nil { // ]
			return nil, fail(err)
		}
	}
	if _, err := dec.Token(); err != nil { // }
		return nil, fail(err)
	}
	end := dec.InputOffset()
	if ls := o.list(doc, end); ls != nil {
		return ls, nil
	}
	pos := &docPos{raw: o.text(t, end), line: o.line, column: o.column, isJSON: true}
	var v any
	if err := json.Unmarshal(pos.raw, &v); err != nil {
		return nil, jsonReadError(doc, err, start+syntaxOffset(err)-1)
	}
	d.last = pos
	return v, nil
}

// has reports whether the object has a field key already, and records
// it; seen is a set of the keys once there are many.
func (o *jsonObject) has(key string, seen *map[string]bool) bool {
	if *seen == nil && len(o.fields) > 16 {
		*seen = make(map[string]bool, 2*len(o.fields))
		for _, f := range o.fields {
			(*seen)[f.key] = true
		}
		(*seen)["items"] = o.itemsSeen
	}
	if *seen != nil {
		dup := (*seen)[key]
		(*seen)[key] = true
		return dup
	}
	if key == "items" {
		dup := o.itemsSeen
		o.itemsSeen = true
		return dup
	}
	for _, f := range o.fields {
		if f.key == key {
			return true
		}
	}
	return false
}

// list returns the object as a listStream when it is a List: its kind
// ends in List and its items are an array. Anything else is nil, to be
// decoded whole, as is a List smaller than streamListMin, which costs
// little either way.
func (o *jsonObject) list(doc int, end int64) *listStream {
	if !o.listed || end-o.start < int64(streamListMin) {
		return nil
	}
	list := make(map[string]any, len(o.fields))
	for _, f := range o.fields {
		var v any
		if json.Unmarshal(f.raw, &v) != nil {
			return nil
		}
		list[f.key] = v
	}
	if kind, _ := list["kind"].(string); !strings.HasSuffix(kind, "List") {
		return nil
	}
	return &listStream{list: list, isJSON: true, jsonItems: o.items, doc: doc}
}

// jsonError is err, met reading the value of document doc that starts
// at input offset start, as a *ReadError. A syntax error is placed by
// reading the value's text again on its own, as far as it was read: a
// decoder read token by token counts the bytes it read inexactly. o is
// the object being walked, if any.
func (d *docReader) jsonError(doc int, err error, start int64, o *jsonObject) error {
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return jsonTokenError(doc, err)
	}
	var text []byte
	if o != nil {
		text = o.text(d.tape, d.tape.end())
	} else {
		text = d.tape.text(start, d.tape.end())
	}
	var raw json.RawMessage
	if again := json.NewDecoder(bytes.NewReader(text)).Decode(&raw); errors.As(again, &se) {
		return jsonReadError(doc, again, start+se.Offset-1)
	}
	return jsonTokenError(doc, err)
}

// jsonTokenError is err, met reading a token of document doc, as a
// *ReadError. The decoder places a misplaced token exactly; the end of
// the input is the end of a value cut short.
func jsonTokenError(doc int, err error) *ReadError {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return jsonReadError(doc, err, syntaxOffset(err))
}

// syntaxOffset is the offset of a *json.SyntaxError in err, or 0.
func syntaxOffset(err error) int64 {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return se.Offset
	}
	return 0
}

// jsonReadError is err, met reading document doc, as a *ReadError; at
// is the input offset of a syntax error.
func jsonReadError(doc int, err error, at int64) *ReadError {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		err = fmt.Errorf("invalid JSON at byte %d: %w", at, err)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = fmt.Errorf("invalid JSON: the input ends inside a value")
	}
	return &ReadError{Document: doc, Err: err}
}
