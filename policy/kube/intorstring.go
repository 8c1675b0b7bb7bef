package kube

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// IntOrString is a Kubernetes field that holds either a number or a
// string, such as a NetworkPolicy port (a port number or a named port) or
// a Service's targetPort. It keeps the form it was written in: the string
// "80" is not the number 80, and the API server refuses it as a port name.
type IntOrString struct {
	IsString bool
	IntVal   int32
	StrVal   string
}

// IntOrStringFromInt returns the number n.
func IntOrStringFromInt(n int32) IntOrString { return IntOrString{IntVal: n} }

// IntOrStringFromString returns the string s.
func IntOrStringFromString(s string) IntOrString { return IntOrString{IsString: true, StrVal: s} }

// String returns the string, or the number in decimal.
func (v IntOrString) String() string {
	if v.IsString {
		return v.StrVal
	}
	return strconv.FormatInt(int64(v.IntVal), 10)
}

// MarshalJSON writes a number or a string, as the value was given.
func (v IntOrString) MarshalJSON() ([]byte, error) {
	if v.IsString {
		return json.Marshal(v.StrVal)
	}
	return strconv.AppendInt(nil, int64(v.IntVal), 10), nil
}

// UnmarshalJSON reads a JSON string or an integer that fits in 32 bits.
func (v *IntOrString) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '"' {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		*v = IntOrStringFromString(s)
		return nil
	}
	n, err := strconv.ParseInt(string(data), 10, 32)
	if err != nil {
		return fmt.Errorf("want an integer or a string, got %s", clip(string(data)))
	}
	*v = IntOrStringFromInt(int32(n))
	return nil
}

// clip shortens text quoted in a message, so that a huge bad value
// does not swamp the report.
func clip(s string) string {
	const limit = 40
	if len(s) <= limit {
		return s
	}
	return s[:limit] + "..."
}
