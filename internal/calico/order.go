package calico

import "cmp"

// CompareOrders compares two optional orders of tiers or policies (SPEC 3),
// a missing order being greater than every present one (Felix reads it as
// +Inf).
func CompareOrders(a, b *float64) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	return cmp.Compare(*a, *b)
}
