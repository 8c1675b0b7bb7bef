package kube

import (
	"encoding/json"
	"testing"
)

func TestIntOrStringJSON(t *testing.T) {
	tests := []struct {
		in      string
		want    IntOrString
		wantErr bool
	}{
		{in: `80`, want: IntOrStringFromInt(80)},
		{in: ` -1 `, want: IntOrStringFromInt(-1)},
		{in: `"http"`, want: IntOrStringFromString("http")},
		{in: `"80"`, want: IntOrStringFromString("80")},
		{in: `""`, want: IntOrStringFromString("")},
		{in: `80.5`, wantErr: true},
		{in: `1e3`, wantErr: true},
		{in: `2147483648`, wantErr: true},
		{in: `true`, wantErr: true},
		{in: `{}`, wantErr: true},
	}
	for _, tc := range tests {
		var got IntOrString
		err := json.Unmarshal([]byte(tc.in), &got)
		if (err != nil) != tc.wantErr {
			t.Errorf("%s: error %v, want error %v", tc.in, err, tc.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		if got != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.in, got, tc.want)
		}
		out, err := json.Marshal(got)
		if err != nil {
			t.Fatal(err)
		}
		var again IntOrString
		if err := json.Unmarshal(out, &again); err != nil || again != got {
			t.Errorf("%s: round trip gave %s, %+v, %v", tc.in, out, again, err)
		}
	}
}

func TestIntOrStringNullPort(t *testing.T) {
	var p NetworkPolicyPort
	if err := json.Unmarshal([]byte(`{"port": null}`), &p); err != nil || p.Port != nil {
		t.Errorf("port %v, error %v; want nil, nil", p.Port, err)
	}
}

func TestIntOrStringString(t *testing.T) {
	if s := IntOrStringFromInt(443).String(); s != "443" {
		t.Errorf("got %q", s)
	}
	if s := IntOrStringFromString("https").String(); s != "https" {
		t.Errorf("got %q", s)
	}
}
