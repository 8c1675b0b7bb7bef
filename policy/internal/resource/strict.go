package resource

import (
	"encoding"
	"encoding/json"
	"fmt"
	"github.com/verdictlabs/verdict/internal/suggest"
	"math"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// DecodeStrict decodes v, a generic JSON value as encoding/json produces it
// for an `any` (map[string]any, []any, string, float64 or json.Number, bool
// or nil), into the value dst points to, by dst's json tags.
//
// encoding/json stops at the first mistake and names no field. A person
// fixing a policy file wants every mistake at once, each with the path of
// the field, so this walks the whole value and reports every unknown field
// (unless ignoreUnknown) and every value of the wrong type as a Problem
// whose path starts at at. Field names match case-sensitively, as the
// Kubernetes API server's strict decoding does; a near miss gets a
// suggestion.
//
// Types implementing json.Unmarshaler (numbers-or-strings such as ports and
// protocols) decode their own subtree, re-marshalled; types implementing
// encoding.TextUnmarshaler take a string. JSON null leaves a value alone
// and sets pointers, slices, maps and interfaces to nil, as encoding/json
// does.
//
// dst must be a non-nil pointer; anything else is a programming error and
// panics.
func DecodeStrict(v any, dst any, ignoreUnknown bool, at *Path) Problems {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		panic(fmt.Sprintf("resource: DecodeStrict needs a non-nil pointer, got %T", dst))
	}
	d := strictDecoder{ignoreUnknown: ignoreUnknown, base: at}
	d.value(v, rv.Elem())
	return d.probs
}

// strictDecoder keeps the path of the value it is decoding as a stack of
// steps below base, and builds a Path only for a problem: decoding
// visits every field of every resource, and most have none.
type strictDecoder struct {
	ignoreUnknown bool
	base          *Path
	steps         []strictStep
	probs         Problems
}

// strictStep is a field name, or a list index when isIndex, or a map key
// when isKey.
type strictStep struct {
	name           string
	index          int
	isIndex, isKey bool
}

func (d *strictDecoder) push(s strictStep) { d.steps = append(d.steps, s) }
func (d *strictDecoder) pop()              { d.steps = d.steps[:len(d.steps)-1] }

// path renders the current path.
func (d *strictDecoder) path() *Path {
	p := d.base
	for _, s := range d.steps {
		switch {
		case s.isIndex:
			p = p.Index(s.index)
		case s.isKey:
			p = p.Key(s.name)
		default:
			p = p.Child(s.name)
		}
	}
	return p
}

func (d *strictDecoder) fail(format string, args ...any) {
	d.probs = append(d.probs, Problem{Severity: SeverityError, Path: d.path().String(), Msg: fmt.Sprintf(format, args...)})
}

var (
	jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	stringMapType       = reflect.TypeFor[map[string]string]()
)

func (d *strictDecoder) value(v any, dst reflect.Value) {
	t := dst.Type()
	if v == nil {
		switch t.Kind() {
		case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface:
			dst.SetZero()
			return
		}
		if reflect.PointerTo(t).Implements(jsonUnmarshalerType) {
			d.unmarshaler(v, dst)
		}
		return
	}
	if t.Kind() != reflect.Pointer {
		if reflect.PointerTo(t).Implements(jsonUnmarshalerType) {
			d.unmarshaler(v, dst)
			return
		}
		if reflect.PointerTo(t).Implements(textUnmarshalerType) {
			s, ok := v.(string)
			if !ok {
				d.fail("expected a string, got %s", DescribeJSON(v))
				return
			}
			if err := dst.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s)); err != nil {
				d.fail("%s", err)
			}
			return
		}
	}
	switch t.Kind() {
	case reflect.Pointer:
		elem := reflect.New(t.Elem())
		d.value(v, elem.Elem())
		dst.Set(elem)
	case reflect.Interface:
		if t.NumMethod() != 0 {
			d.fail("cannot decode into %s", t)
			return
		}
		dst.Set(reflect.ValueOf(v))
	case reflect.String:
		s, ok := v.(string)
		if !ok {
			d.fail("expected a string, got %s", DescribeJSON(v))
			return
		}
		dst.SetString(s)
	case reflect.Bool:
		b, ok := v.(bool)
		if !ok {
			d.fail("expected true or false, got %s", DescribeJSON(v))
			return
		}
		dst.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := d.integer(v)
		if !ok {
			return
		}
		if dst.OverflowInt(n) {
			d.fail("%d is out of range", n)
			return
		}
		dst.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := d.integer(v)
		if !ok {
			return
		}
		if n < 0 || dst.OverflowUint(uint64(n)) {
			d.fail("%d is out of range", n)
			return
		}
		dst.SetUint(uint64(n))
	case reflect.Float32, reflect.Float64:
		f, ok := jsonFloat(v)
		if !ok {
			d.fail("expected a number, got %s", DescribeJSON(v))
			return
		}
		if dst.OverflowFloat(f) {
			d.fail("%v is out of range", f)
			return
		}
		dst.SetFloat(f)
	case reflect.Slice:
		list, ok := v.([]any)
		if !ok {
			d.fail("expected a list, got %s", DescribeJSON(v))
			return
		}
		out := reflect.MakeSlice(t, len(list), len(list))
		for i, item := range list {
			d.push(strictStep{index: i, isIndex: true})
			d.value(item, out.Index(i))
			d.pop()
		}
		dst.Set(out)
	case reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			d.fail("expected an object, got %s", DescribeJSON(v))
			return
		}
		if t.Key().Kind() != reflect.String {
			d.fail("cannot decode into %s", t)
			return
		}
		if t == stringMapType {
			d.stringMap(obj, dst)
			return
		}
		out := reflect.MakeMapWithSize(t, len(obj))
		elem := reflect.New(t.Elem()).Elem()
		for _, k := range sortedKeys(obj) {
			elem.SetZero()
			d.push(strictStep{name: k, isKey: true})
			d.value(obj[k], elem)
			d.pop()
			out.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), elem)
		}
		dst.Set(out)
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			d.fail("expected an object, got %s", DescribeJSON(v))
			return
		}
		d.object(obj, dst)
	default:
		d.fail("cannot decode into %s", t)
	}
}

// stringMap decodes the commonest map, labels and annotations, without
// reflection per entry.
func (d *strictDecoder) stringMap(obj map[string]any, dst reflect.Value) {
	out := make(map[string]string, len(obj))
	bad := false
	for k, v := range obj {
		s, ok := v.(string)
		bad = bad || !ok
		out[k] = s
	}
	if bad {
		for _, k := range sortedKeys(obj) {
			if _, ok := obj[k].(string); !ok {
				d.push(strictStep{name: k, isKey: true})
				d.fail("expected a string, got %s", DescribeJSON(obj[k]))
				d.pop()
			}
		}
	}
	dst.Set(reflect.ValueOf(out))
}

// unmarshaler hands v, re-marshalled, to dst's UnmarshalJSON.
func (d *strictDecoder) unmarshaler(v any, dst reflect.Value) {
	raw, err := json.Marshal(v)
	if err != nil {
		d.fail("%s", strings.TrimPrefix(err.Error(), "json: "))
		return
	}
	if err := dst.Addr().Interface().(json.Unmarshaler).UnmarshalJSON(raw); err != nil {
		d.fail("%s", strings.TrimPrefix(err.Error(), "json: "))
	}
}

func (d *strictDecoder) object(obj map[string]any, dst reflect.Value) {
	fields := fieldsOf(dst.Type())
	for _, k := range sortedKeys(obj) {
		f, ok := fields.byName[k]
		if !ok && d.ignoreUnknown {
			continue
		}
		d.push(strictStep{name: k})
		if ok {
			d.value(obj[k], fieldAlloc(dst, f.index))
		} else {
			d.fail("unknown field %q%s", k, fields.suggest(k))
		}
		d.pop()
	}
}

// fieldAlloc is reflect.Value.FieldByIndex that allocates nil embedded
// struct pointers on the way.
func fieldAlloc(v reflect.Value, index []int) reflect.Value {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v
}

// integer reads an integral JSON number.
func (d *strictDecoder) integer(v any) (int64, bool) {
	switch n := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
			return i, true
		}
		f, err := n.Float64()
		if err != nil {
			d.fail("expected an integer, got %s", n)
			return 0, false
		}
		return d.integer(f)
	case float64:
		if n != math.Trunc(n) || math.IsInf(n, 0) {
			d.fail("expected an integer, got %v", n)
			return 0, false
		}
		if n < math.MinInt64 || n >= math.MaxInt64 {
			d.fail("%v is out of range", n)
			return 0, false
		}
		return int64(n), true
	}
	d.fail("expected an integer, got %s", DescribeJSON(v))
	return 0, false
}

// jsonFloat reads a JSON number of either representation.
func jsonFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

// DescribeJSON names what a generic value is, for messages: a scalar with
// its value, a container by its kind.
func DescribeJSON(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return "the string " + strconv.Quote(Clip(x))
	case bool:
		return "the boolean " + strconv.FormatBool(x)
	case float64:
		return "the number " + strconv.FormatFloat(x, 'g', -1, 64)
	case json.Number:
		return "the number " + string(x)
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("a %T", v)
}

// Clip keeps messages about huge values to one readable line.
func Clip(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}

// sortedKeys returns the keys of m in order, so that problems come out in
// an order that does not depend on Go's map iteration.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// structFields is what decoding needs to know about a struct type,
// computed once per type.
type structFields struct {
	byName map[string]structField
	names  []string // sorted, for suggestions
}

type structField struct {
	index []int
}

var structFieldCache sync.Map // reflect.Type -> *structFields

func fieldsOf(t reflect.Type) *structFields {
	if f, ok := structFieldCache.Load(t); ok {
		return f.(*structFields)
	}
	fs := &structFields{byName: map[string]structField{}}
	collectFields(t, nil, fs)
	for name := range fs.byName {
		fs.names = append(fs.names, name)
	}
	sort.Strings(fs.names)
	actual, _ := structFieldCache.LoadOrStore(t, fs)
	return actual.(*structFields)
}

// collectFields gathers the JSON names of t's fields, descending into
// embedded structs without a JSON name (Kubernetes' `json:",inline"`) the
// way encoding/json does: a field of the outer struct hides one of the
// same name inside an embedded struct.
func collectFields(t reflect.Type, prefix []int, fs *structFields) {
	var embedded []reflect.StructField
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				embedded = append(embedded, f)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if _, dup := fs.byName[name]; !dup {
			fs.byName[name] = structField{index: appendIndex(prefix, i)}
		}
	}
	for _, f := range embedded {
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		collectFields(ft, appendIndex(prefix, f.Index[0]), fs)
	}
}

func appendIndex(prefix []int, i int) []int {
	out := make([]int, len(prefix)+1)
	copy(out, prefix)
	out[len(prefix)] = i
	return out
}

// suggest returns ` (did you mean "x"?)` for a near miss of a known field
// name: the same name in another letter case, or one at most two edits
// away.
func (fs *structFields) suggest(unknown string) string {
	best, bestDist := "", 3
	for _, name := range fs.names {
		if strings.EqualFold(name, unknown) {
			return fmt.Sprintf(" (did you mean %q?)", name)
		}
		if len(unknown) < 4 {
			continue
		}
		if dist := suggest.Distance(name, unknown); dist < bestDist {
			best, bestDist = name, dist
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}
