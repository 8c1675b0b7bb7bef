package legacy

import (
	"encoding/json"
	"math"
	"sort"
	"strconv"
)

// The documents arrive as generic values decoded from YAML or JSON. These
// helpers read them with a type check that becomes an Issue at the field's
// path. A null value counts as absent everywhere, as Go's JSON decoding
// into structs would treat it.

// typeName describes the JSON type of v for messages.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "true or false"
	case float64, float32, int, int64, int32, json.Number:
		return "a number"
	case []any:
		return "a list"
	case map[string]any:
		return "a map"
	}
	return "an unexpected value"
}

// getMap reads v as a map; nil reads as an empty map.
func getMap(v any, path string, is *issueList) (map[string]any, bool) {
	switch m := v.(type) {
	case nil:
		return nil, true
	case map[string]any:
		return m, true
	}
	is.addf(path, "must be a map, not %s", typeName(v))
	return nil, false
}

// getList reads v as a list; nil reads as an empty list.
func getList(v any, path string, is *issueList) ([]any, bool) {
	switch l := v.(type) {
	case nil:
		return nil, true
	case []any:
		return l, true
	}
	is.addf(path, "must be a list, not %s", typeName(v))
	return nil, false
}

// getString reads v as a string; nil reads as "".
func getString(v any, path string, is *issueList) (string, bool) {
	switch s := v.(type) {
	case nil:
		return "", true
	case string:
		return s, true
	}
	is.addf(path, "must be a string, not %s", typeName(v))
	return "", false
}

// getBool reads v as a boolean; nil reads as false.
func getBool(v any, path string, is *issueList) (bool, bool) {
	switch b := v.(type) {
	case nil:
		return false, true
	case bool:
		return b, true
	}
	is.addf(path, "must be true or false, not %s", typeName(v))
	return false, false
}

// getStringMap reads v as a map of strings (labels, annotations).
func getStringMap(v any, path string, is *issueList) (map[string]string, bool) {
	m, ok := getMap(v, path, is)
	if !ok || m == nil {
		return nil, ok
	}
	out := make(map[string]string, len(m))
	for _, k := range sortedKeys(m) {
		s, ok2 := m[k].(string)
		if !ok2 {
			is.addf(key(path, k), "must be a string, not %s", typeName(m[k]))
			ok = false
			continue
		}
		out[k] = s
	}
	return out, ok
}

// getStrings reads v as a list of strings.
func getStrings(v any, path string, is *issueList) ([]string, bool) {
	l, ok := getList(v, path, is)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(l))
	for i, e := range l {
		s, ok2 := e.(string)
		if !ok2 {
			is.addf(index(path, i), "must be a string, not %s", typeName(e))
			ok = false
			continue
		}
		out = append(out, s)
	}
	return out, ok
}

// maxExactInt bounds the integers read from float64 values: beyond it a
// float64 no longer holds every integer, so the value cannot be what the
// user wrote.
const maxExactInt = 1 << 53

// intValue returns v as an integer when it is a whole number.
func intValue(v any) (int64, bool) {
	switch n := v.(type) {
	case float64:
		if n != math.Trunc(n) || math.Abs(n) > maxExactInt {
			return 0, false
		}
		return int64(n), true
	case float32:
		return intValue(float64(n))
	case int:
		return int64(n), true
	case int64:
		return n, true
	case int32:
		return int64(n), true
	case json.Number:
		i, err := strconv.ParseInt(string(n), 10, 64)
		return i, err == nil
	}
	return 0, false
}

// getInt reads v as a whole number.
func getInt(v any, path string, is *issueList) (int64, bool) {
	if n, ok := intValue(v); ok {
		return n, true
	}
	if _, isNum := v.(float64); isNum {
		is.addf(path, "must be a whole number, not %v", v)
	} else {
		is.addf(path, "must be a number, not %s", typeName(v))
	}
	return 0, false
}

// sortedKeys lists a map's keys in order, so that issues and output come
// out the same on every run.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
