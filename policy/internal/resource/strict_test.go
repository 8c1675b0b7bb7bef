package resource

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// strictNumOrString records which JSON form it was given, to show that
// json.Unmarshaler types see their own subtree.
type strictNumOrString struct {
	Num  int
	Text string
}

func (n *strictNumOrString) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, &n.Num); err == nil {
		return nil
	}
	if err := json.Unmarshal(b, &n.Text); err == nil {
		return nil
	}
	return errors.New("must be a number or a string")
}

// strictUpper accepts only upper-case text, through encoding.TextUnmarshaler.
type strictUpper string

func (u *strictUpper) UnmarshalText(b []byte) error {
	if strings.ToUpper(string(b)) != string(b) {
		return errors.New("must be upper case")
	}
	*u = strictUpper(b)
	return nil
}

type strictInner struct {
	Port  strictNumOrString `json:"port"`
	Ports []uint16          `json:"ports,omitempty"`
	Up    strictUpper       `json:"up"`
}

type strictMeta struct {
	Name   string            `json:"name"`
	Labels map[string]string `json:"labels"`
}

type strictTypeMeta struct {
	Kind string `json:"kind"`
}

type strictDoc struct {
	strictTypeMeta `json:",inline"`
	Meta           strictMeta     `json:"metadata"`
	Order          *float64       `json:"order"`
	Count          int8           `json:"count"`
	On             bool           `json:"on"`
	Inner          []strictInner  `json:"inner"`
	Ptr            *strictInner   `json:"ptr"`
	Any            any            `json:"any"`
	Skipped        string         `json:"-"`
	Untagged       string         // decoded by its Go name, as encoding/json does
	ByName         map[string]int `json:"byName"`
}

func generic(t *testing.T, text string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		t.Fatalf("bad test JSON %s: %v", text, err)
	}
	return v
}

func TestDecodeStrictValues(t *testing.T) {
	in := `{"kind": "K", "metadata": {"name": "n", "labels": {"a": "b"}}, "order": 2.5, "count": -3, "on": true,
		"inner": [{"port": 80, "ports": [1, 65535], "up": "X"}, {"port": "http"}],
		"ptr": {"port": 1}, "any": {"x": [1, "y"]}, "Untagged": "u", "byName": {"z": 1, "a": 2}}`
	var got strictDoc
	if probs := DecodeStrict(generic(t, in), &got, false, Root()); len(probs) != 0 {
		t.Fatalf("unexpected problems: %v", probs)
	}
	order := 2.5
	want := strictDoc{
		strictTypeMeta: strictTypeMeta{Kind: "K"},
		Meta:           strictMeta{Name: "n", Labels: map[string]string{"a": "b"}},
		Order:          &order,
		Count:          -3,
		On:             true,
		Inner: []strictInner{
			{Port: strictNumOrString{Num: 80}, Ports: []uint16{1, 65535}, Up: "X"},
			{Port: strictNumOrString{Text: "http"}},
		},
		Ptr:      &strictInner{Port: strictNumOrString{Num: 1}},
		Any:      map[string]any{"x": []any{1.0, "y"}},
		Untagged: "u",
		ByName:   map[string]int{"z": 1, "a": 2},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(strictDoc{})); diff != "" {
		t.Errorf("decoded value differs (-want +got):\n%s", diff)
	}
}

func TestDecodeStrictNull(t *testing.T) {
	got := strictDoc{Count: 7, Meta: strictMeta{Name: "keep"}, Inner: []strictInner{{}}}
	in := `{"count": null, "metadata": null, "inner": null, "ptr": null, "order": null}`
	if probs := DecodeStrict(generic(t, in), &got, false, Root()); len(probs) != 0 {
		t.Fatalf("unexpected problems: %v", probs)
	}
	if got.Count != 7 || got.Meta.Name != "keep" {
		t.Errorf("null changed a value field: %+v", got)
	}
	if got.Inner != nil || got.Ptr != nil || got.Order != nil {
		t.Errorf("null did not clear a reference field: %+v", got)
	}
}

func TestDecodeStrictProblems(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string // "path: message substring"
	}{
		{"unknown top-level field", `{"colour": 1}`, []string{`colour: unknown field "colour"`}},
		{"unknown nested field with index", `{"inner": [{}, {"prot": 1}]}`, []string{`inner[1].prot: unknown field "prot"`}},
		{"case suggestion", `{"Metadata": {}}`, []string{`Metadata: unknown field "Metadata" (did you mean "metadata"?)`}},
		{"edit suggestion", `{"inner": [{"portz": 1}]}`, []string{`inner[0].portz: unknown field "portz" (did you mean "port"?)`}},
		{"skipped field is unknown", `{"Skipped": "x"}`, []string{`Skipped: unknown field`}},
		{"string wanted", `{"kind": 3}`, []string{`kind: expected a string, got the number 3`}},
		{"bool wanted", `{"on": "yes"}`, []string{`on: expected true or false, got the string "yes"`}},
		{"integer wanted", `{"count": 1.5}`, []string{`count: expected an integer, got 1.5`}},
		{"integer overflow", `{"count": 300}`, []string{`count: 300 is out of range`}},
		{"unsigned negative", `{"inner": [{"ports": [-1]}]}`, []string{`inner[0].ports[0]: -1 is out of range`}},
		{"unsigned overflow", `{"inner": [{"ports": [1, 70000]}]}`, []string{`inner[0].ports[1]: 70000 is out of range`}},
		{"huge number", `{"count": 1e300}`, []string{`count: 1e+300 is out of range`}},
		{"float wanted", `{"order": "1"}`, []string{`order: expected a number, got the string "1"`}},
		{"list wanted", `{"inner": {}}`, []string{`inner: expected a list, got an object`}},
		{"object wanted for struct", `{"metadata": []}`, []string{`metadata: expected an object, got a list`}},
		{"object wanted for map", `{"metadata": {"labels": "a=b"}}`, []string{`metadata.labels: expected an object, got the string "a=b"`}},
		{"map value type", `{"metadata": {"labels": {"app.kubernetes.io/name": 1}}}`, []string{`metadata.labels[app.kubernetes.io/name]: expected a string, got the number 1`}},
		{"unmarshaler error", `{"inner": [{"port": true}]}`, []string{`inner[0].port: must be a number or a string`}},
		{"text unmarshaler error", `{"inner": [{"up": "x"}]}`, []string{`inner[0].up: must be upper case`}},
		{"text unmarshaler wants a string", `{"inner": [{"up": 1}]}`, []string{`inner[0].up: expected a string, got the number 1`}},
		{"pointer target", `{"ptr": {"port": 1, "up": "lower"}}`, []string{`ptr.up: must be upper case`}},
		{"every problem is reported", `{"kind": 1, "count": "x", "inner": [{"zz": 1}, {"up": "q"}], "extra": 2}`, []string{
			`count: expected an integer`,
			`extra: unknown field "extra"`,
			`inner[0].zz: unknown field "zz"`,
			`inner[1].up: must be upper case`,
			`kind: expected a string`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got strictDoc
			probs := DecodeStrict(generic(t, tt.in), &got, false, Root())
			if len(probs) != len(tt.want) {
				t.Fatalf("got %d problems, want %d: %v", len(probs), len(tt.want), probs)
			}
			for i, p := range probs {
				line := p.Path + ": " + p.Msg
				if !strings.HasPrefix(line, tt.want[i]) {
					t.Errorf("problem %d = %q, want prefix %q", i, line, tt.want[i])
				}
				if p.Severity != SeverityError {
					t.Errorf("problem %d is not an error", i)
				}
			}
		})
	}
}

func TestDecodeStrictIgnoreUnknown(t *testing.T) {
	var got strictDoc
	in := `{"kind": "Pod", "status": {"phase": "Running"}, "inner": [{"extra": 1, "up": "A"}]}`
	probs := DecodeStrict(generic(t, in), &got, true, Root())
	if len(probs) != 0 {
		t.Fatalf("unknown fields reported while ignored: %v", probs)
	}
	if got.Kind != "Pod" || got.Inner[0].Up != "A" {
		t.Errorf("known fields not decoded: %+v", got)
	}
	// Wrong types are still wrong when unknown fields are ignored.
	probs = DecodeStrict(generic(t, `{"kind": []}`), &got, true, Root())
	if len(probs) != 1 || probs[0].Path != "kind" {
		t.Errorf("wrong type not reported: %v", probs)
	}
}

func TestDecodeStrictPathPrefix(t *testing.T) {
	var got strictInner
	at := Root().Child("spec").Child("ingress").Index(2)
	probs := DecodeStrict(generic(t, `{"ports": [1, "x"]}`), &got, false, at)
	if len(probs) != 1 || probs[0].Path != "spec.ingress[2].ports[1]" {
		t.Fatalf("got %v, want one problem at spec.ingress[2].ports[1]", probs)
	}
}

func TestDecodeStrictJSONNumber(t *testing.T) {
	d := json.NewDecoder(strings.NewReader(`{"count": 12, "order": 0.25, "inner": [{"ports": [9007199254740993]}]}`))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatal(err)
	}
	var got strictDoc
	probs := DecodeStrict(v, &got, false, Root())
	if got.Count != 12 || *got.Order != 0.25 {
		t.Errorf("json.Number not decoded: %+v", got)
	}
	if len(probs) != 1 || !strings.Contains(probs[0].Msg, "out of range") {
		t.Errorf("big json.Number not caught: %v", probs)
	}
}

func TestDecodeStrictPanicsOnNonPointer(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic for a non-pointer destination")
		}
	}()
	DecodeStrict(map[string]any{}, strictDoc{}, false, Root())
}
