package flowlog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"reflect"
	"testing"
)

// fuzzRead reads data as format and checks the reader's promises: it
// never panics, every error is an *Error naming the file, and every record
// stands for at least one flow.
func fuzzRead(t *testing.T, data []byte, format Format) {
	r, err := NewReader(bytes.NewReader(data), "fuzz", format)
	if err != nil {
		var fe *Error
		if !errors.As(err, &fe) && format != Auto {
			t.Fatalf("NewReader error %v is not an *Error", err)
		}
		return
	}
	for {
		var rec Record
		err := r.Next(&rec)
		if err == io.EOF {
			return
		}
		if err != nil {
			var fe *Error
			if !errors.As(err, &fe) || fe.File != "fuzz" {
				t.Fatalf("error %v does not name the file", err)
			}
			return
		}
		if rec.Count == 0 || rec.Line == 0 {
			t.Fatalf("record %+v has no count or line", rec)
		}
	}
}

func FuzzVerdict(f *testing.F) {
	f.Add([]byte(`{"src":"vote/vote-1","dst":"10.0.0.5","proto":"udp","sport":4000,"dport":53,"count":3,"time":"2026-12-01T10:00:00Z","action":"allow"}`))
	f.Add([]byte(`{"src":"a","dst":"b","proto":1,"icmp_type":8,"icmp_code":0}`))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, data, Verdict) })
}

func FuzzCSV(f *testing.F) {
	f.Add([]byte("src,dst,proto,dport,count,action,time\nvote/vote-1,10.0.0.5,tcp,6379,2,allow,2026-12-01T10:00:00Z\n"))
	f.Add([]byte("src,dst,icmp_type,icmp_code,proto\na,b,8,0,icmp\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, data, CSV) })
}

func FuzzCalico(f *testing.F) {
	f.Add([]byte(calicoAggregated))
	f.Add([]byte(`{"source_ip":"10.1.0.5","source_type":"net","proto":"icmp6","start_time":"2026-12-01T10:00:00Z"}`))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, data, Calico) })
}

func FuzzGoldmane(f *testing.F) {
	f.Add([]byte(goldmaneSample))
	f.Add([]byte(`{"id":"3","flow":` + goldmaneSample + `}`))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, data, Goldmane) })
}

func FuzzAuto(f *testing.F) {
	f.Add([]byte(calicoAggregated))
	f.Add([]byte(goldmaneSample))
	f.Add([]byte("src,dst\na,b\n"))
	f.Add(gzipped(f, `{"src":"a","dst":"b"}`))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, data, Auto) })
}

// FuzzFastVerdict: whenever the fast path takes a line, encoding/json
// reads it to the same record.
func FuzzFastVerdict(f *testing.F) {
	f.Add([]byte(`{"src":"vote/vote-1","dst":"10.0.0.5","proto":"udp","sport":4000,"dport":53,"count":3,"time":"2026-12-01T10:00:00Z","action":"allow"}`))
	f.Add([]byte(`{"src":"10.0.0.1","dst":"10.0.0.2","proto":1,"icmp_type":8,"icmp_code":0}`))
	f.Add([]byte(` { "src" : "a" , "dst":"b" } `))
	f.Add([]byte(`{"src":"010.0.0.1","dst":"10.0.0.2.","proto":"TCP","action":"ALLOW"}`))
	f.Add([]byte(`{"src":"10.0.0.1","dst":"::ffff:10.0.0.2","proto":"icmp6","action":"-"}`))
	f.Add([]byte(`{"src":"10.0.0.1","dst":"256.0.0.2","proto":0,"action":""}`))
	f.Add([]byte(`{"src":"10.0.0.1","dst":"1.2.3","proto":"256","action":"Deny"}`))
	f.Add([]byte(`{"src":"","dst":"1.2.3.4","proto":""}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var fast verdictLine
		if !fastVerdict(data, &fast) {
			return
		}
		var slow verdictLine
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&slow); err != nil || dec.More() {
			t.Fatalf("the fast path took %q, which encoding/json refuses: %v", data, err)
		}
		var a, b Record
		errA, errB := fast.fill(&a), slow.fill(&b)
		if fmt.Sprint(errA) != fmt.Sprint(errB) || !reflect.DeepEqual(a, b) {
			t.Fatalf("%q: fast %+v (%v), encoding/json %+v (%v)", data, a, errA, b, errB)
		}
	})
}

// FuzzParseIPv4: what parseIPv4 takes, netip.ParseAddr reads to the same
// address.
func FuzzParseIPv4(f *testing.F) {
	for _, s := range []string{"10.0.0.1", "0.0.0.0", "255.255.255.255", "01.2.3.4", "1.2.3.4.", ".1.2.3", "1..2.3", "256.1.1.1", "1.2.3", "1.2.3.4.5", "::1", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseIPv4([]byte(s))
		if !ok {
			return
		}
		want, err := netip.ParseAddr(s)
		if err != nil || got != want {
			t.Fatalf("parseIPv4(%q) = %v, netip.ParseAddr gives %v, %v", s, got, want, err)
		}
	})
}
