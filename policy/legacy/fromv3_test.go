package legacy

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// A profile written as v3 reads back as the same legacy profile, and
// what the legacy model cannot hold is refused by field.
func TestProfileFromV3(t *testing.T) {
	p := NewProfile("databases")
	for _, text := range []string{
		"allow tcp from tag applications to ports 3306",
		"deny udp from ports 53,1000:2000 10.0.0.0/8 to tag dns",
		"allow icmp type 8 code 0 from 192.168.0.0/16",
	} {
		r, err := ParseRule(text)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.AddRule(true, 0, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.AddTag("extra"); err != nil {
		t.Fatal(err)
	}
	got, err := ProfileFromV3(p.V3())
	if err != nil {
		t.Fatal(err)
	}
	want := p
	want.Tags = []string{"databases", "extra"}
	if diff := cmp.Diff(want.Show(), got.Show()); diff != "" {
		t.Errorf("rule show (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want.Tags, got.Tags); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}

	for _, tc := range []struct {
		doc  string
		want string
	}{
		{`{"kind": "Profile", "metadata": {"name": "p"}, "spec": {"ingress": [{"action": "Allow", "source": {"serviceAccounts": {"names": ["a"]}}}]}}`,
			"profile p: spec.ingress[0]: source.serviceAccounts has no place in the legacy rule model"},
		{`{"kind": "Profile", "metadata": {"name": "p"}, "spec": {"labelsToApply": {"env": "prod"}}}`,
			`profile p: spec.labelsToApply.env: a label with a value ("prod") is not a tag`},
		{`{"kind": "Profile", "metadata": {"name": "p"}, "spec": {"egress": [{"action": "Allow", "http": {"methods": ["GET"]}}]}}`,
			"profile p: spec.egress[0]: http has no place in the legacy rule model"},
		{`{"kind": "Tier", "metadata": {"name": "p"}}`, "not a v3 Profile with a name"},
	} {
		_, err := ProfileFromV3(decodeJSON(t, tc.doc))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.doc, err, tc.want)
		}
	}
}
