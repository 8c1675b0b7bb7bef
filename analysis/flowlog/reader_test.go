package flowlog

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

// readAll reads every record of text as format.
func readAll(t *testing.T, name, text string, format Format) ([]Record, Format, error) {
	t.Helper()
	r, err := NewReader(strings.NewReader(text), name, format)
	if err != nil {
		return nil, "", err
	}
	defer r.Close()
	var out []Record
	for {
		var rec Record
		err := r.Next(&rec)
		if err == io.EOF {
			return out, r.Format(), nil
		}
		if err != nil {
			return out, r.Format(), err
		}
		out = append(out, rec)
	}
}

type readCase struct {
	name   string
	file   string
	format Format
	text   string
	want   []Record
	detect Format
	err    string // substring of the error, with file and line
}

func runReadCases(t *testing.T, tests []readCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := tt.file
			if file == "" {
				file = "flows.log"
			}
			got, format, err := readAll(t, file, tt.text, tt.format)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateComparable(netip.Addr{}), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
			if tt.detect != "" && format != tt.detect {
				t.Errorf("format %s, want %s", format, tt.detect)
			}
		})
	}
}

func TestVerdictFormat(t *testing.T) {
	runReadCases(t, []readCase{
		{
			name: "every key", format: Verdict,
			text: `{"src":"vote/vote-1","dst":"10.0.0.5","proto":"udp","sport":4000,"dport":53,"count":3,"time":"2026-12-01T10:00:00Z","action":"allow"}`,
			want: []Record{{Src: Peer{Namespace: "vote", Name: "vote-1"}, Dst: Peer{Addr: addr("10.0.0.5")}, Protocol: 17, SrcPort: 4000, DstPort: 53, Count: 3, Start: t0, End: t0, Action: Allow, Line: 1}},
		},
		{
			name: "defaults: tcp, one flow; blank lines skipped", format: Verdict,
			text: "\n" + `{"src":"web","dst":"::ffff:10.0.0.1","dport":"80"}` + "\n\n",
			want: []Record{{Src: Peer{Name: "web"}, Dst: Peer{Addr: addr("10.0.0.1")}, Protocol: 6, DstPort: 80, Count: 1, Line: 2}},
		},
		{
			name: "protocol number and icmp", format: Verdict,
			text: `{"src":"10.0.0.1","dst":"10.0.0.2","proto":1,"icmp_type":8,"icmp_code":0,"action":"Deny"}`,
			want: []Record{{Src: Peer{Addr: addr("10.0.0.1")}, Dst: Peer{Addr: addr("10.0.0.2")}, Protocol: 1, HasICMP: true, ICMPType: 8, Count: 1, Action: Deny, Line: 1}},
		},
		{
			name: "auto by keys", format: Auto, detect: Verdict,
			text: `{"dst":"db","src":"api"}`,
			want: []Record{{Src: Peer{Name: "api"}, Dst: Peer{Name: "db"}, Protocol: 6, Count: 1, Line: 1}},
		},
		{name: "unknown key", format: Verdict, text: `{"src":"a","dst":"b","dprot":80}`, err: `flows.log:1: unknown field "dprot"`},
		{name: "missing dst", format: Verdict, text: "{\"src\":\"a\",\"dst\":\"b\"}\n{\"src\":\"a\"}", err: "flows.log:2: dst is missing"},
		{name: "bad port", format: Verdict, text: `{"src":"a","dst":"b","dport":70000}`, err: "flows.log:1: dport 70000 is more than 65535"},
		{name: "bad protocol", format: Verdict, text: `{"src":"a","dst":"b","proto":"gre"}`, err: `proto: unknown protocol "gre"`},
		{name: "icmp type on tcp", format: Verdict, text: `{"src":"a","dst":"b","icmp_type":3}`, err: "icmp_type needs proto icmp"},
		{name: "icmp code alone", format: Verdict, text: `{"src":"a","dst":"b","proto":"icmp","icmp_code":3}`, err: "icmp_code needs icmp_type"},
		{name: "zero count", format: Verdict, text: `{"src":"a","dst":"b","count":0}`, err: "count is 0"},
		{name: "bad time", format: Verdict, text: `{"src":"a","dst":"b","time":"yesterday"}`, err: `time "yesterday"`},
		{name: "bad action", format: Verdict, text: `{"src":"a","dst":"b","action":"pass"}`, err: `action "pass"`},
		{name: "not json", format: Verdict, text: `{"src":`, err: "flows.log:1:"},
		{name: "two values", format: Verdict, text: `{"src":"a","dst":"b"} {}`, err: "more than one JSON value"},
		{name: "auto cannot tell", format: Auto, text: `{"x":1}`, err: "flows.log:1: cannot tell the format"},
	})
}

func TestCSVFormat(t *testing.T) {
	runReadCases(t, []readCase{
		{
			name: "header and rows", format: CSV,
			text: "src,dst,proto,dport,count,action,time\nvote/vote-1,10.0.0.5,tcp,6379,2,allow,2026-12-01T10:00:00Z\n\"vote/worker-1\",vote/db-0,6,5432,,,\n",
			want: []Record{
				{Src: Peer{Namespace: "vote", Name: "vote-1"}, Dst: Peer{Addr: addr("10.0.0.5")}, Protocol: 6, DstPort: 6379, Count: 2, Action: Allow, Start: t0, End: t0, Line: 2},
				{Src: Peer{Namespace: "vote", Name: "worker-1"}, Dst: Peer{Namespace: "vote", Name: "db-0"}, Protocol: 6, DstPort: 5432, Count: 1, Line: 3},
			},
		},
		{
			name: "auto by extension, through gzip name", file: "flows.csv.gz", format: Auto, detect: CSV,
			text: "dst,src\nb,a\n",
			want: []Record{{Src: Peer{Name: "a"}, Dst: Peer{Name: "b"}, Protocol: 6, Count: 1, Line: 2}},
		},
		{
			name: "auto by a first line that is not JSON", format: Auto, detect: CSV,
			text: "src,dst,icmp_type,proto\na,b,8,icmp\n",
			want: []Record{{Src: Peer{Name: "a"}, Dst: Peer{Name: "b"}, Protocol: 1, HasICMP: true, ICMPType: 8, Count: 1, Line: 2}},
		},
		{name: "unknown column", format: CSV, text: "src,dst,port\n", err: `flows.log:1: header: unknown column "port"`},
		{name: "no dst column", format: CSV, text: "src,proto\n", err: "header: no dst column"},
		{name: "duplicate column", format: CSV, text: "src,dst,src\n", err: `column "src" twice`},
		{name: "short row", format: CSV, text: "src,dst,dport\na,b\n", err: "flows.log:2: 2 fields, the header has 3"},
		{name: "bad number", format: CSV, text: "src,dst,dport\na,b,http\n", err: "flows.log:2: dport:"},
		{name: "bad quoting", format: CSV, text: "src,dst\n\"a,b\n", err: "flows.log:2:"},
	})
}

const calicoAggregated = `{"start_time":1764583200,"end_time":1764583500,"source_ip":null,"source_name":"-","source_name_aggr":"worker-7d9c-*","source_namespace":"vote","source_type":"wep","source_labels":{"labels":["app=worker","pod-template-hash=7d9c"]},"source_port":null,"dest_ip":"10.1.0.20","dest_name":"db-0","dest_name_aggr":"db-*","dest_namespace":"vote","dest_type":"wep","dest_labels":{"labels":["app=db"]},"dest_port":5432,"proto":"tcp","action":"allow","reporter":"dst","num_flows":4,"bytes_in":100,"policies":{"all_policies":["0|platform|vote/platform.db|allow|0"]}}`

func TestCalicoFormat(t *testing.T) {
	start, end := time.Unix(1764583200, 0).UTC(), time.Unix(1764583500, 0).UTC()
	runReadCases(t, []readCase{
		{
			name: "aggregated source, full destination", format: Calico, text: calicoAggregated,
			want: []Record{{
				Src:      Peer{Namespace: "vote", Name: "worker-7d9c-*", Type: PeerWorkload, Labels: map[string]string{"app": "worker", "pod-template-hash": "7d9c"}},
				Dst:      Peer{Addr: addr("10.1.0.20"), Namespace: "vote", Name: "db-0", Type: PeerWorkload, Labels: map[string]string{"app": "db"}},
				Protocol: 6, DstPort: 5432, Count: 4, Start: start, End: end, Action: Allow, Reporter: Dest, Line: 1,
			}},
		},
		{
			name: "auto by keys", format: Auto, detect: Calico,
			text: `{"source_ip":"10.1.0.5","source_name":"-","source_name_aggr":"pvt","source_namespace":"-","source_type":"net","dest_ip":"10.1.0.6","dest_type":"ns","dest_name_aggr":"partners","dest_namespace":"-","source_labels.labels":["a=b"],"proto":"icmp6","action":"deny","reporter":"src","start_time":"2026-12-01T10:00:00Z"}`,
			want: []Record{{
				Src:      Peer{Addr: addr("10.1.0.5"), Name: "pvt", Type: PeerNetwork, Labels: map[string]string{"a": "b"}},
				Dst:      Peer{Addr: addr("10.1.0.6"), Name: "partners", Type: PeerNetworkSet},
				Protocol: 58, Count: 1, Start: t0, End: t0, Action: Deny, Reporter: Source, Line: 1,
			}},
		},
		{name: "bad type", format: Calico, text: `{"proto":"tcp","source_type":"pod"}`, err: `flows.log:1: source_type "pod"`},
		{name: "bad ip", format: Calico, text: `{"proto":"tcp","dest_ip":"10.1"}`, err: `dest_ip "10.1" is not an IP address`},
		{name: "bad labels", format: Calico, text: `{"proto":"tcp","dest_labels":{"labels":["app"]}}`, err: `dest_labels: "app" is not key=value`},
		{name: "no proto", format: Calico, text: `{"source_ip":"10.0.0.1"}`, err: "proto is missing"},
		{name: "bad reporter", format: Calico, text: `{"proto":"tcp","reporter":"both"}`, err: `reporter "both"`},
		{name: "wrong JSON type", format: Calico, text: `{"proto":"tcp","source_name":5}`, err: "source_name: want string"},
	})
}

const goldmaneSample = `{"Key":{"sourceName":"vote-5f8d-*","sourceNamespace":"vote","sourceType":"WorkloadEndpoint","destName":"redis-6b7c-*","destNamespace":"vote","destType":"WorkloadEndpoint","destPort":"6379","proto":"tcp","reporter":"Src","action":"Allow","policies":{"enforcedPolicies":[]}},"startTime":"1764583200","endTime":"1764583215","sourceLabels":["app=vote"],"destLabels":["app=redis"],"packetsIn":"10","numConnectionsStarted":"7"}`

func TestGoldmaneFormat(t *testing.T) {
	start, end := time.Unix(1764583200, 0).UTC(), time.Unix(1764583215, 0).UTC()
	want := Record{
		Src:      Peer{Namespace: "vote", Name: "vote-5f8d-*", Type: PeerWorkload, Labels: map[string]string{"app": "vote"}},
		Dst:      Peer{Namespace: "vote", Name: "redis-6b7c-*", Type: PeerWorkload, Labels: map[string]string{"app": "redis"}},
		Protocol: 6, DstPort: 6379, Count: 7, Start: start, End: end, Action: Allow, Reporter: Source, Line: 1,
	}
	runReadCases(t, []readCase{
		{name: "protojson names", format: Goldmane, text: goldmaneSample, want: []Record{want}},
		{name: "auto, wrapped in a FlowResult", format: Auto, detect: Goldmane, text: `{"id":"3","flow":` + goldmaneSample + `}`, want: []Record{want}},
		{
			name: "proto names, enum numbers, no connections started", format: Goldmane,
			text: `{"key":{"source_name":"pub","source_type":4,"dest_name":"api","dest_namespace":"prod","dest_type":1,"dest_port":443,"proto":"6","reporter":2,"action":2},"start_time":1764583200}`,
			want: []Record{{Src: Peer{Name: "pub", Type: PeerNetwork}, Dst: Peer{Namespace: "prod", Name: "api", Type: PeerWorkload}, Protocol: 6, DstPort: 443, Count: 1, Start: start, End: start, Action: Deny, Reporter: Dest, Line: 1}},
		},
		{name: "no key", format: Goldmane, text: `{"startTime":"1"}`, err: "flows.log:1: no Key"},
		{name: "bad enum", format: Goldmane, text: `{"Key":{"proto":"tcp","sourceType":"Pod"}}`, err: `Key.sourceType "Pod"`},
		{name: "pass is not final", format: Goldmane, text: `{"Key":{"proto":"tcp","action":"Pass"}}`, err: "Pass is not a final action"},
		{name: "bad port", format: Goldmane, text: `{"Key":{"proto":"tcp","destPort":"-1"}}`, err: "flows.log:1:"},
	})
}

func gzipped(t testing.TB, text string) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write([]byte(text)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestGzipEveryFormat(t *testing.T) {
	texts := map[Format]string{
		Verdict:  `{"src":"a","dst":"b","dport":80}` + "\n" + `{"src":"a","dst":"b","dport":81}`,
		CSV:      "src,dst,dport\na,b,80\na,b,81\n",
		Calico:   calicoAggregated + "\n" + calicoAggregated,
		Goldmane: goldmaneSample + "\n" + goldmaneSample,
	}
	dir := t.TempDir()
	for format, text := range texts {
		t.Run(string(format), func(t *testing.T) {
			plain, _, err := readAll(t, "plain", text, format)
			if err != nil {
				t.Fatal(err)
			}
			// By content, whatever the name, and by Open with auto detection.
			r, err := NewReader(bytes.NewReader(gzipped(t, text)), "x", format)
			if err != nil {
				t.Fatal(err)
			}
			var got []Record
			for {
				var rec Record
				if err := r.Next(&rec); err == io.EOF {
					break
				} else if err != nil {
					t.Fatal(err)
				}
				got = append(got, rec)
			}
			if diff := cmp.Diff(plain, got, cmpopts.EquateComparable(netip.Addr{})); diff != "" || len(got) != 2 {
				t.Errorf("gzip records differ (-plain +gzip):\n%s", diff)
			}
			path := filepath.Join(dir, string(format)+".log.gz")
			if format == CSV {
				path = filepath.Join(dir, "flows.csv.gz")
			}
			if err := os.WriteFile(path, gzipped(t, text), 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := Open(path, Auto)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if f.Format() != format {
				t.Errorf("auto detected %s, want %s", f.Format(), format)
			}
		})
	}
}

func TestBadGzipNamesFile(t *testing.T) {
	data := gzipped(t, `{"src":"a","dst":"b"}`+"\n")
	data = data[:len(data)-6] // cut the trailer
	_, _, err := readAll(t, "cut.gz", string(data), Verdict)
	var fe *Error
	if !errors.As(err, &fe) || fe.File != "cut.gz" {
		t.Fatalf("error %v, want an *Error naming cut.gz", err)
	}
}

func TestOpenMissingFile(t *testing.T) {
	if _, err := Open(filepath.Join(t.TempDir(), "none.jsonl"), Auto); err == nil {
		t.Fatal("opened a missing file")
	}
	if _, err := NewReader(strings.NewReader(""), "x", "json"); err == nil {
		t.Fatal("took an unknown format")
	}
}

func TestEmptyInput(t *testing.T) {
	for _, f := range Formats() {
		got, _, err := readAll(t, "empty", "\n\n", f)
		if err != nil || len(got) != 0 {
			t.Errorf("%s: %v records, error %v", f, len(got), err)
		}
	}
}

func TestParseProtocol(t *testing.T) {
	for in, want := range map[string]uint8{"tcp": 6, "UDP": 17, "icmp": 1, "icmp6": 58, "ICMPv6": 58, "sctp": 132, "udplite": 136, "47": 47} {
		got, err := ParseProtocol(in)
		if err != nil || got != want {
			t.Errorf("ParseProtocol(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "0", "256", "gre"} {
		if _, err := ParseProtocol(bad); err == nil {
			t.Errorf("ParseProtocol(%q) took it", bad)
		}
	}
}

// endless yields the same record line for ever, counting them.
type endless struct {
	line []byte
	left int
	off  int
}

func (e *endless) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if e.off == len(e.line) {
			if e.left == 0 {
				break
			}
			e.left--
			e.off = 0
		}
		c := copy(p[n:], e.line[e.off:])
		e.off += c
		n += c
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// TestMemoryFlat reads ten times more records and checks that the live
// heap stays where it was: nothing is kept per record.
func TestMemoryFlat(t *testing.T) {
	live := func(records int) uint64 {
		r, err := NewReader(&endless{line: []byte(calicoAggregated + "\n"), left: records}, "endless", Auto)
		if err != nil {
			t.Fatal(err)
		}
		var rec Record
		var peak uint64
		for i := 0; ; i++ {
			if err := r.Next(&rec); err == io.EOF {
				break
			} else if err != nil {
				t.Fatal(err)
			}
			if i%(records/4) == 0 {
				runtime.GC()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapAlloc)
			}
		}
		return peak
	}
	n := 20000
	if testing.Short() {
		n = 4000
	}
	small, large := live(n), live(10*n)
	if large > small+1<<20 {
		t.Errorf("live heap %d bytes after %d records, %d after %d: it grows with the records", large, 10*n, small, n)
	}
}

// A verdict-format record of two addresses, or of the common spellings
// of protocol and action, is parsed without allocating: at a million
// records a second, each allocation is felt.
func TestVerdictLineAllocatesNothing(t *testing.T) {
	r, err := NewReader(strings.NewReader(""), "flows.jsonl", Verdict)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		`{"src":"10.0.0.1","dst":"10.0.0.2","proto":6,"sport":40000,"dport":443,"count":1}`,
		`{"src":"10.0.0.1","dst":"10.0.0.2","proto":"TCP","dport":443,"action":"allow"}`,
		`{"src":"10.0.0.1","dst":"10.0.0.2","proto":1,"icmp_type":8,"icmp_code":0,"action":"deny"}`,
	} {
		var rec Record
		b := []byte(line)
		allocs := testing.AllocsPerRun(100, func() {
			if err := r.Parse(b, 1, &rec); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per record", line, allocs)
		}
	}
}
