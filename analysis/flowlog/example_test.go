package flowlog_test

import (
	"fmt"
	"io"
	"strings"

	"github.com/verdictlabs/verdict/analysis/flowlog"
)

func ExampleReader() {
	logs := `{"src":"vote/vote-1","dst":"10.1.0.20","proto":"tcp","dport":6379,"count":2}
{"src":"vote/worker-1","dst":"vote/db-0","dport":5432,"action":"deny"}`
	r, err := flowlog.NewReader(strings.NewReader(logs), "flows.jsonl", flowlog.Auto)
	if err != nil {
		panic(err)
	}
	fmt.Println("format:", r.Format())
	var rec flowlog.Record
	for {
		if err := r.Next(&rec); err == io.EOF {
			break
		} else if err != nil {
			panic(err)
		}
		fmt.Printf("line %d: %s/%s %v -> %s/%s %v port %d, %d flows, logged %q\n",
			rec.Line, rec.Src.Namespace, rec.Src.Name, rec.Src.Addr, rec.Dst.Namespace, rec.Dst.Name, rec.Dst.Addr, rec.DstPort, rec.Count, rec.Action)
	}
	// Output:
	// format: verdict
	// line 1: vote/vote-1 invalid IP -> / 10.1.0.20 port 6379, 2 flows, logged ""
	// line 2: vote/worker-1 invalid IP -> vote/db-0 invalid IP port 5432, 1 flows, logged "deny"
}
