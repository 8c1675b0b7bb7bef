package compile

import (
	"testing"

	"github.com/verdictlabs/verdict/model"
)

// TestSummaryIsNecessary: whenever a rule matches a flow, its policy's
// summary admits the flow, so skipping by summary never changes an
// answer. Checked over random rules and flows.
func TestSummaryIsNecessary(t *testing.T) {
	g := newGen(13)
	p := mustCompile(t, model.Set{Endpoints: []model.Endpoint{pod("a", "ns0", "10.0.0.1", nil)}})
	var skipped int
	for range 20000 {
		var reg validateOnly
		r, err := compileRule(new(g.rule()), "", reg)
		if err != nil {
			t.Fatal(err)
		}
		s := ruleSummary(&r)
		f := g.flow()
		c := newFlowCtx(p, &f)
		admits := s.admits(c.sumProto, c.sumFam, c.sumPort)
		if !admits {
			skipped++
		}
		// Peer criteria need owners; only the criteria a summary covers
		// are compared here.
		r.src, r.dst.need = side{}, r.dst.need&^(needPos|needNeg|needService|needNets|needNotNets)
		r.need &^= needSrc | needHTTP | needICMP | needNotICMP
		if r.dst.need == 0 {
			r.need &^= needDst
		}
		if c.matches(&r) && !admits {
			t.Fatalf("rule %+v matches %+v, but its summary does not admit the flow", r, f)
		}
	}
	if skipped == 0 {
		t.Error("no summary ever excluded a flow")
	}
}
