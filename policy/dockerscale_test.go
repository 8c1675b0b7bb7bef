package policy

import (
	"bytes"
	"testing"
	"time"
)

// Issue 20, point 9: loading Docker input is linear in the containers.
// Finding each translated document's container by a search through the
// input made 8 times the containers cost 47 times the time (5,000 and
// 40,000 in 1.7 and 79.6 s); linear work costs about 8 times, and the
// bound below, 24, leaves room for a busy machine. Each size is timed at
// its fastest of three loads.
func TestDockerLoadIsLinear(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 9,000 Docker containers three times")
	}
	if raceEnabled {
		t.Skip("the race detector distorts the times it compares")
	}
	load := func(n int) time.Duration {
		data := dockerInspect(n)
		best := time.Duration(1 << 62)
		for range 3 {
			start := time.Now()
			l := NewLoader()
			if err := l.Add("docker.json", bytes.NewReader(data)); err != nil {
				t.Fatal(err)
			}
			res, err := l.Finish()
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Set.Endpoints) != n {
				t.Fatalf("loaded %d endpoints, want %d", len(res.Set.Endpoints), n)
			}
			best = min(best, time.Since(start))
		}
		return best
	}
	small, large := load(1000), load(8000)
	ratio := float64(large) / float64(small)
	t.Logf("1,000 containers in %v, 8,000 in %v: %.1f times", small, large, ratio)
	if ratio > 24 {
		t.Errorf("8 times the containers took %.1f times as long (%v, %v), want at most 24: the load is not linear", ratio, small, large)
	}
}
