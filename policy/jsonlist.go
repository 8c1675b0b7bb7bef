package policy

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// A JSON List (kubectl get -o json of a whole cluster) is one value, and
// decoding it whole builds a tree of maps and interfaces some ten times
// the size of its text before the first item is looked at. Its text is
// read whole (and checked for keys given twice) as any JSON value is, but
// its items are decoded one at a time, each as it is loaded, so that only
// one item's tree exists at a time. The text stays, as for any value, to
// place problems.

// itemsKey is how a List's items key is written; an object without it is
// decoded whole at once, without a look for the items.
var itemsKey = []byte(`"items"`)

// jsonList returns raw, a valid JSON value free of duplicate keys, as a
// listStream when it is a List: an object whose kind ends in List and
// whose items are an array. Anything else is nil, to be decoded whole, as
// is a List smaller than streamListMin, which costs little either way.
func jsonList(raw []byte) *listStream {
	if len(raw) < streamListMin || !bytes.Contains(raw, itemsKey) {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil
	}
	list := map[string]any{}
	var items [][2]int
	seen := false
	for dec.More() {
		tok, err := dec.Token()
		key, ok := tok.(string)
		if err != nil || !ok {
			return nil
		}
		if key != "items" {
			var v any
			if dec.Decode(&v) != nil {
				return nil
			}
			list[key] = v
			continue
		}
		if at := jsonValueStart(raw, int(dec.InputOffset())); at >= len(raw) || raw[at] != '[' {
			return nil
		}
		if _, err := dec.Token(); err != nil { // [
			return nil
		}
		for dec.More() {
			start := jsonValueStart(raw, int(dec.InputOffset()))
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return nil
			}
			items = append(items, [2]int{start, int(dec.InputOffset())})
		}
		if _, err := dec.Token(); err != nil { // ]
			return nil
		}
		seen = true
	}
	if kind, _ := list["kind"].(string); !seen || !strings.HasSuffix(kind, "List") {
		return nil
	}
	return &listStream{list: list, isJSON: true, jsonItems: items}
}

// itemPositions gives each item of a JSON List its own text and where it
// starts in the file, counting lines once through the List: locating a
// problem then reads one item, not the List up to it.
func (s *listStream) itemPositions() []*docPos {
	raw := s.jsonDoc.raw
	out := make([]*docPos, len(s.jsonItems))
	line, from := s.jsonDoc.line, 0
	lineStart := -1 // offset of the last line end before from; -1 for none
	for i, span := range s.jsonItems {
		gap := raw[from:span[0]]
		if n := bytes.Count(gap, []byte("\n")); n > 0 {
			line += n
			lineStart = from + bytes.LastIndexByte(gap, '\n')
		}
		column := utf8.RuneCount(raw[lineStart+1:span[0]]) + 1
		if lineStart < 0 {
			column += s.jsonDoc.column - 1
		}
		out[i] = &docPos{raw: raw[span[0]:span[1]], line: line, column: column, isJSON: true}
		from = span[0]
	}
	return out
}
