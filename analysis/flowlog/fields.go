package flowlog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/verdictlabs/verdict/model"
)

// ParseProtocol reads a protocol as flow logs write it: a name in any case
// (tcp, UDP, icmp, icmpv6, sctp, udplite, and icmp6 as Calico's flow logs
// spell it) or a number 1 to 255.
func ParseProtocol(s string) (uint8, error) {
	if strings.EqualFold(s, "icmp6") {
		return model.ProtoICMPv6, nil
	}
	p, err := model.ParseProtocol(s)
	if err != nil {
		return 0, err
	}
	return p.Number, nil
}

// flexUint is a JSON number that may also be written as a string of digits
// (protojson writes 64-bit integers so) or be null.
type flexUint struct {
	v   uint64
	set bool
}

func (f *flexUint) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s == "" || s == "-" {
			return nil
		}
		b = []byte(s)
	}
	n, err := strconv.ParseUint(string(b), 10, 64)
	if err != nil {
		// Some exporters write whole numbers as floats (5432.0).
		x, ferr := strconv.ParseFloat(string(b), 64)
		if ferr != nil || x < 0 || x != math.Trunc(x) || x > math.MaxUint64 {
			return fmt.Errorf("%s is not a whole number", b)
		}
		n = uint64(x)
	}
	f.v, f.set = n, true
	return nil
}

// bounded returns the number if it fits in max, naming the field if not.
func (f flexUint) bounded(field string, max uint64) (uint64, error) {
	if f.v > max {
		return 0, fmt.Errorf("%s %d is more than %d", field, f.v, max)
	}
	return f.v, nil
}

// flexString is a JSON string that may also be written as a number
// (a protocol of 6) or be null.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	if _, err := strconv.ParseFloat(string(b), 64); err != nil {
		return fmt.Errorf("%s is neither a string nor a number", b)
	}
	*f = flexString(b)
	return nil
}

// parseTime reads a time: RFC 3339, or seconds since the Unix epoch (as
// Calico's flow logs and goldmane write them), as a number or a string.
func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0).UTC(), nil
	}
	if x, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(x, 0) && !math.IsNaN(x) && math.Abs(x) < 1e15 {
		sec, frac := math.Modf(x)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("time %q is neither RFC 3339 nor seconds since the epoch", s)
	}
	return t, nil
}

// parsePort reads a port number.
func portOf(field string, f flexUint) (uint16, error) {
	n, err := f.bounded(field, math.MaxUint16)
	return uint16(n), err
}

// parseAddr reads a logged address; empty and "-" mean none.
func parseAddr(field, s string) (netip.Addr, error) {
	if s == "" || s == "-" {
		return netip.Addr{}, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("%s %q is not an IP address", field, s)
	}
	return model.PacketAddr(a), nil
}

// parseLabels reads labels logged as "key=value" strings.
func parseLabels(field string, kvs []string) (map[string]string, error) {
	if len(kvs) == 0 {
		return nil, nil
	}
	m := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("%s: %q is not key=value", field, kv)
		}
		m[k] = v
	}
	return m, nil
}

// parseAction reads a logged action in any case.
func parseAction(s string) (Action, error) {
	switch strings.ToLower(s) {
	case "", "-", "actionunspecified":
		return NoAction, nil
	case "allow":
		return Allow, nil
	case "deny":
		return Deny, nil
	}
	return NoAction, fmt.Errorf("action %q is neither allow nor deny", s)
}

// parseReporter reads a logged reporter in any case.
func parseReporter(s string) (Reporter, error) {
	switch strings.ToLower(s) {
	case "", "-", "reporterunspecified":
		return NoReporter, nil
	case "src":
		return Source, nil
	case "dst":
		return Dest, nil
	}
	return NoReporter, fmt.Errorf("reporter %q is neither src nor dst", s)
}

// dash reads a name field of a flow log, where "-" means none.
func dash(s string) string {
	if s == "-" {
		return ""
	}
	return s
}
