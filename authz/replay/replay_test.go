package replay_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/verdictlabs/verdict/authz/replay"
	"github.com/verdictlabs/verdict/internal/conformance"
)

// Issue 25: every conformance case an ext_authz request can express,
// sent by a real gRPC client to the server on loopback, gets Calico's
// answer: both verdicts and both traces, hit for hit.
func TestConformanceThroughServer(t *testing.T) {
	total, passed, skipped := 0, 0, 0
	for _, v := range conformance.Vectors {
		cases, err := conformance.ReadFile(filepath.Join("..", "..", "internal", "conformance", "testdata", v.Name))
		if err != nil {
			t.Fatal(err)
		}
		if len(cases) != v.Cases {
			t.Fatalf("%s: %d cases, want %d", v.Name, len(cases), v.Cases)
		}
		r, err := replay.Run(t.Context(), cases)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range r.Failures {
			t.Error(f)
		}
		// Expressible is the whole rule: ingress over TCP.
		want := 0
		for i := range cases {
			if cases[i].Flow.Direction == "ingress" && cases[i].Flow.Protocol == 6 {
				want++
			}
		}
		if got := r.Passed + r.Failed; got != want || r.Unexpressible != len(cases)-want {
			t.Errorf("%s: %d cases sent and %d not expressible, want %d and %d", v.Name, got, r.Unexpressible, want, len(cases)-want)
		}
		fmt.Printf("conformance via authz: %s: %d passed, %d failed; %s\n", v.Name, r.Passed, r.Failed, r.Lines())
		total, passed, skipped = total+len(cases), passed+r.Passed, skipped+r.Unexpressible
	}
	if passed == 0 {
		t.Fatal("no case was sent")
	}
	fmt.Printf("conformance via authz: all files: %d of %d expressible cases agree, %d not expressible\n", passed, total-skipped, skipped)
}

// The request of a case carries what the flow needs: its addresses and
// ports, the HTTP request, and the source pod's SPIFFE principal.
func TestRequest(t *testing.T) {
	c := conformance.Case{
		Src:  conformance.Endpoint{Name: "a", Namespace: "ns1", ServiceAccount: "sa1", IP: "10.0.0.1"},
		Dst:  conformance.Endpoint{Name: "b", Namespace: "ns2", IP: "10.0.0.2"},
		Flow: conformance.Flow{Direction: "ingress", Protocol: 6, SrcPort: 1234, DstPort: 80, HTTP: &conformance.HTTPRequest{Method: "GET", Path: "/x"}},
	}
	req := replay.Request(&c)
	a := req.GetAttributes()
	if a.GetSource().GetPrincipal() != "spiffe://cluster.local/ns/ns1/sa/sa1" ||
		a.GetSource().GetAddress().GetSocketAddress().GetPortValue() != 1234 ||
		a.GetDestination().GetAddress().GetSocketAddress().GetAddress() != "10.0.0.2" ||
		a.GetRequest().GetHttp().GetPath() != "/x" || a.GetRequest().GetHttp().GetMethod() != "GET" {
		t.Errorf("request %v", req)
	}
	c.Src.ServiceAccount, c.Flow.HTTP = "", nil
	a = replay.Request(&c).GetAttributes()
	if a.GetSource().GetPrincipal() != "" || a.GetRequest() != nil {
		t.Errorf("a source without an account, a flow without HTTP: %v", a)
	}
	for _, tt := range []struct {
		dir   string
		proto uint8
		ok    bool
	}{{"ingress", 6, true}, {"egress", 6, false}, {"ingress", 17, false}, {"ingress", 1, false}} {
		c.Flow.Direction, c.Flow.Protocol = tt.dir, tt.proto
		if _, ok := replay.Expressible(&c); ok != tt.ok {
			t.Errorf("Expressible(%s, %d) = %v", tt.dir, tt.proto, ok)
		}
	}
}
