package suggest

import "testing"

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"abc", "", 3},
		{"selector", "selector", 0},
		{"selectr", "selector", 1},
		{"notNet", "notNets", 1},
		{"ingres", "ingress", 1},
		{"port", "ports", 1},
		{"selector", "selcetor", 2},
		{"kitten", "sitting", 3},
	}
	for _, tt := range tests {
		if got := Distance(tt.a, tt.b); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := Distance(tt.b, tt.a); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d (distance is symmetric)", tt.b, tt.a, got, tt.want)
		}
	}
}
