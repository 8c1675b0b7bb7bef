package resource

import "testing"

// A problem is one line whatever its input holds (issue 20, point 10).
func TestProblemStringIsOneEscapedLine(t *testing.T) {
	p := Problem{File: "f.yaml", Document: 2, Kind: "GlobalNetworkPolicy", Name: "evil\nforged: x\x1b[2J", Path: "metadata.name", Msg: `"evil\nforged" is bad`}
	want := `f.yaml: document 2: GlobalNetworkPolicy evil\nforged: x\x1b[2J: metadata.name: "evil\nforged" is bad`
	if got := p.String(); got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
