package eval_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestEngineLinksNoKubernetes keeps the hot path light: an agent that
// embeds only the engine must not link client-go or any other k8s.io
// package, nor the packages that talk to a cluster, nor gRPC, Envoy's API
// or Prometheus.
func TestEngineLinksNoKubernetes(t *testing.T) {
	engine := []string{
		"github.com/verdictlabs/verdict/selector",
		"github.com/verdictlabs/verdict/model",
		"github.com/verdictlabs/verdict/internal/compile",
		"github.com/verdictlabs/verdict/eval",
	}
	out, err := exec.Command("go", append([]string{"list", "-deps"}, engine...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	for _, want := range engine {
		if !contains(deps, want) {
			t.Fatalf("go list -deps does not list %s itself; output:\n%s", want, out)
		}
	}
	for _, d := range deps {
		if strings.HasPrefix(d, "k8s.io/") || strings.HasPrefix(d, "sigs.k8s.io/") ||
			strings.HasPrefix(d, "github.com/verdictlabs/verdict/policy") ||
			strings.HasPrefix(d, "github.com/verdictlabs/verdict/kubesync") ||
			// Nor the authorization server's gRPC, Envoy API and metrics.
			strings.HasPrefix(d, "google.golang.org/grpc") || strings.HasPrefix(d, "github.com/envoyproxy/") ||
			strings.HasPrefix(d, "github.com/prometheus/") || strings.HasPrefix(d, "github.com/verdictlabs/verdict/authz") {
			t.Errorf("the engine packages depend on %s", d)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
