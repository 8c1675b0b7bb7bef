package flowlog

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
)

// goldmaneFlow is Calico OSS's flow-logs API Flow message as protojson
// writes it (lowerCamelCase names; int64 as strings; enums by name). The
// parser also accepts the proto field names, as protojson does, and a
// FlowResult wrapping the flow.
type goldmaneFlow struct {
	Key          *goldmaneKey `json:"Key"`
	KeyLower     *goldmaneKey `json:"key"`
	StartTime    flexString   `json:"startTime"`
	StartTime2   flexString   `json:"start_time"`
	EndTime      flexString   `json:"endTime"`
	EndTime2     flexString   `json:"end_time"`
	SourceLabels []string     `json:"sourceLabels"`
	SrcLabels2   []string     `json:"source_labels"`
	DestLabels   []string     `json:"destLabels"`
	DestLabels2  []string     `json:"dest_labels"`
	Started      flexUint     `json:"numConnectionsStarted"`
	Started2     flexUint     `json:"num_connections_started"`
}

type goldmaneKey struct {
	SourceName       string     `json:"sourceName"`
	SourceName2      string     `json:"source_name"`
	SourceNamespace  string     `json:"sourceNamespace"`
	SourceNamespace2 string     `json:"source_namespace"`
	SourceType       flexString `json:"sourceType"`
	SourceType2      flexString `json:"source_type"`
	DestName         string     `json:"destName"`
	DestName2        string     `json:"dest_name"`
	DestNamespace    string     `json:"destNamespace"`
	DestNamespace2   string     `json:"dest_namespace"`
	DestType         flexString `json:"destType"`
	DestType2        flexString `json:"dest_type"`
	DestPort         flexUint   `json:"destPort"`
	DestPort2        flexUint   `json:"dest_port"`
	Proto            flexString `json:"proto"`
	Reporter         flexString `json:"reporter"`
	Action           flexString `json:"action"`
}

type goldmaneResult struct {
	Flow *goldmaneFlow `json:"flow"`
}

// goldmaneKeys are top-level keys only goldmane flows have.
var goldmaneKeys = []string{"Key", "key", "flow", "startTime", "numConnectionsStarted", "sourceLabels"}

func either[T comparable](a, b T) T {
	var zero T
	if a != zero {
		return a
	}
	return b
}

func parseGoldmane(line []byte, rec *Record) error {
	var f goldmaneFlow
	if err := json.Unmarshal(line, &f); err != nil {
		return jsonError(err)
	}
	k := either(f.Key, f.KeyLower)
	if k == nil {
		var res goldmaneResult
		if err := json.Unmarshal(line, &res); err != nil {
			return jsonError(err)
		}
		if res.Flow == nil {
			return fmt.Errorf("no Key: not a goldmane Flow")
		}
		f = *res.Flow
		if k = either(f.Key, f.KeyLower); k == nil {
			return fmt.Errorf("flow: no Key: not a goldmane Flow")
		}
	}
	var err error
	if rec.Src, err = goldmanePeer("sourceType", either(k.SourceName, k.SourceName2), either(k.SourceNamespace, k.SourceNamespace2), either(k.SourceType, k.SourceType2), either2(f.SourceLabels, f.SrcLabels2)); err != nil {
		return err
	}
	if rec.Dst, err = goldmanePeer("destType", either(k.DestName, k.DestName2), either(k.DestNamespace, k.DestNamespace2), either(k.DestType, k.DestType2), either2(f.DestLabels, f.DestLabels2)); err != nil {
		return err
	}
	if k.Proto == "" {
		return fmt.Errorf("key.proto is missing")
	}
	if rec.Protocol, err = ParseProtocol(string(k.Proto)); err != nil {
		return fmt.Errorf("key.proto: %w", err)
	}
	port := k.DestPort
	if !port.set {
		port = k.DestPort2
	}
	if rec.DstPort, err = portOf("Key.destPort", port); err != nil {
		return err
	}
	started := f.Started
	if !started.set {
		started = f.Started2
	}
	// A flow of long-lived connections started none in its interval, yet
	// it still carried traffic the policies judged.
	if rec.Count, err = started.bounded("numConnectionsStarted", math.MaxInt64); err != nil {
		return err
	}
	if rec.Count == 0 {
		rec.Count = 1
	}
	if rec.Start, err = parseTime(string(either(f.StartTime, f.StartTime2))); err != nil {
		return fmt.Errorf("startTime: %w", err)
	}
	if rec.End, err = parseTime(string(either(f.EndTime, f.EndTime2))); err != nil {
		return fmt.Errorf("endTime: %w", err)
	}
	if rec.End.IsZero() {
		rec.End = rec.Start
	}
	if rec.Action, err = goldmaneEnum("Key.action", string(k.Action), []string{"", "allow", "deny", "pass"}); err != nil {
		return err
	}
	if rec.Action == "pass" {
		return fmt.Errorf("key.action Pass is not a final action")
	}
	var rep Action
	if rep, err = goldmaneEnum("Key.reporter", string(k.Reporter), []string{"", "src", "dst"}); err != nil {
		return err
	}
	rec.Reporter = Reporter(rep)
	return nil
}

func either2(a, b []string) []string {
	if len(a) > 0 {
		return a
	}
	return b
}

// goldmaneEnum reads an enum by name in any case, or by number: names[i]
// is the lower-case name of number i, and "" the unspecified value.
func goldmaneEnum(field, s string, names []string) (Action, error) {
	ls := strings.ToLower(s)
	for i, n := range names {
		if ls == n || ls == fmt.Sprint(i) {
			return Action(n), nil
		}
	}
	if strings.HasSuffix(ls, "unspecified") {
		return NoAction, nil
	}
	return NoAction, fmt.Errorf("%s %q is not one of %s", field, s, strings.Join(names[1:], ", "))
}

func goldmanePeer(field, name, ns string, typ flexString, labels []string) (Peer, error) {
	p := Peer{Name: name, Namespace: ns}
	t, err := goldmaneEnum("Key."+field, string(typ), []string{"", "workloadendpoint", "hostendpoint", "networkset", "network"})
	if err != nil {
		return p, err
	}
	p.Type = map[Action]PeerType{"": PeerUnknown, "workloadendpoint": PeerWorkload, "hostendpoint": PeerHost, "networkset": PeerNetworkSet, "network": PeerNetwork}[t]
	p.Labels, err = parseLabels(strings.Replace(field, "Type", "Labels", 1), labels)
	return p, err
}
