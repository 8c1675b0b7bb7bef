package analysis

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/verdictlabs/verdict/model"
)

func TestWriteImpactFormats(t *testing.T) {
	imp := NewImpact()
	imp.Records, imp.Flows, imp.NewlyDenied = 2, 3, 3
	imp.add(ChangeKey{Change: NewlyDenied, Source: "vote/app=vote", Destination: "vote/a|b", Protocol: 6, Port: 6379, Side: model.Ingress,
		Hit: model.Hit{Kind: model.KindNetworkPolicy, Tier: "default", Namespace: "vote", Name: "deny", Index: -1, Action: model.HitDeny}}, 3, time.Time{}, time.Time{})
	rep := imp.Report("pending", 0)
	for format, want := range map[string]string{
		"table":    "ingress: NetworkPolicy vote/deny tier default action (tier default): deny",
		"markdown": `| newly denied | vote/app=vote | vote/a\|b | TCP | 6379 | 3 | 1 | - | - | ingress: NetworkPolicy vote/deny tier default action (tier default): deny |`,
		"json":     `"newlyDenied": 3`,
		"yaml":     "newlyDenied: 3",
	} {
		var b bytes.Buffer
		if err := WriteImpact(&b, rep, format); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), want) {
			t.Errorf("%s lacks %q:\n%s", format, want, b.String())
		}
	}
	if err := WriteImpact(&bytes.Buffer{}, rep, "html"); err == nil {
		t.Error("an unknown format wrote a report")
	}
}
