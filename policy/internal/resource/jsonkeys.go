package resource

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// DuplicateKeyError says that an object of a JSON value gives one key
// twice. encoding/json keeps the last, silently; YAML refuses the same
// content, and so does Verdict, since a second "ingress" that replaces the
// first changes what a policy allows.
type DuplicateKeyError struct {
	Path   string // field path of the key, such as spec.ingress
	Key    string
	Offset int // byte offset of the second key in the value
}

func (e *DuplicateKeyError) Error() string {
	where := ""
	if e.Path != "" {
		where = e.Path + ": "
	}
	return fmt.Sprintf("%skey %q is given twice in one object (byte %d)", where, e.Key, e.Offset)
}

// CheckDuplicateKeys returns a *DuplicateKeyError for the first key given
// twice in one object of data, which must be valid JSON (as a
// json.Decoder hands out a json.RawMessage), or nil.
func CheckDuplicateKeys(data []byte) error {
	s := keyScanner{data: data}
	s.value()
	return s.err
}

// keyScanner walks a valid JSON value. It keeps the path as a stack of
// steps and builds a Path only for an error.
type keyScanner struct {
	data  []byte
	i     int
	steps []strictStep
	err   error
}

func (s *keyScanner) space() {
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case ' ', '\t', '\r', '\n':
			s.i++
		default:
			return
		}
	}
}

func (s *keyScanner) value() {
	s.space()
	if s.i >= len(s.data) {
		return
	}
	switch s.data[s.i] {
	case '{':
		s.object()
	case '[':
		s.array()
	case '"':
		s.str()
	default:
		for s.i < len(s.data) {
			switch s.data[s.i] {
			case ',', ']', '}', ' ', '\t', '\r', '\n':
				return
			}
			s.i++
		}
	}
}

// str skips a string and returns its text between the quotes.
func (s *keyScanner) str() []byte {
	start := s.i + 1
	for s.i = start; s.i < len(s.data); s.i++ {
		switch s.data[s.i] {
		case '\\':
			s.i++
		case '"':
			s.i++
			return s.data[start : s.i-1]
		}
	}
	return s.data[start:]
}

// smallObject is how many keys are compared one by one before a map pays.
const smallObject = 16

func (s *keyScanner) object() {
	s.i++ // {
	var keys [][]byte
	var seen map[string]bool
	for s.err == nil {
		s.space()
		if s.i >= len(s.data) || s.data[s.i] == '}' {
			s.i++
			return
		}
		if s.data[s.i] == ',' {
			s.i++
			continue
		}
		at := s.i
		key := unquoteKey(s.str())
		dup := false
		if seen != nil {
			dup = seen[string(key)]
			seen[string(key)] = true
		} else {
			for _, k := range keys {
				if bytes.Equal(k, key) {
					dup = true
					break
				}
			}
			keys = append(keys, key)
			if len(keys) > smallObject {
				seen = make(map[string]bool, 2*len(keys))
				for _, k := range keys {
					seen[string(k)] = true
				}
			}
		}
		s.steps = append(s.steps, strictStep{name: string(key)})
		if dup {
			s.err = &DuplicateKeyError{Path: s.path(), Key: string(key), Offset: at}
			return
		}
		s.space()
		s.i++ // :
		s.value()
		s.steps = s.steps[:len(s.steps)-1]
	}
}

func (s *keyScanner) array() {
	s.i++ // [
	s.steps = append(s.steps, strictStep{isIndex: true})
	defer func() { s.steps = s.steps[:len(s.steps)-1] }()
	for s.err == nil {
		s.space()
		if s.i >= len(s.data) || s.data[s.i] == ']' {
			s.i++
			return
		}
		if s.data[s.i] == ',' {
			s.i++
			s.steps[len(s.steps)-1].index++
			continue
		}
		s.value()
	}
}

func (s *keyScanner) path() string {
	var p *Path
	for _, st := range s.steps {
		if st.isIndex {
			p = p.Index(st.index)
		} else {
			p = p.Child(st.name)
		}
	}
	return p.String()
}

// unquoteKey returns a key as encoding/json decodes it: escapes resolved
// and invalid UTF-8 replaced, so that keys compare as the decoder sees
// them. Most keys need neither.
func unquoteKey(raw []byte) []byte {
	for _, c := range raw {
		if c == '\\' || c >= 0x80 {
			var k string
			quoted := make([]byte, 0, len(raw)+2)
			quoted = append(append(append(quoted, '"'), raw...), '"')
			if json.Unmarshal(quoted, &k) == nil {
				return []byte(k)
			}
			return raw
		}
	}
	return raw
}
