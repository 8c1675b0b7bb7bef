package archtest

// Rule is what one package may import of the project: Imports for its
// own code, and TestImports besides them for its tests (a package's tests
// may always import the package itself).
type Rule struct {
	Imports     []string
	TestImports []string
}

// Allowed is the package graph, by import path relative to the module.
// ARCHITECTURE.md's package table lists the same packages with the same
// imports.
var Allowed = map[string]Rule{
	"selector":                 {},
	"model":                    {Imports: []string{"selector"}},
	"policy/internal/resource": {Imports: []string{"internal/printable", "internal/suggest"}},
	"policy/legacy":            {Imports: []string{"internal/suggest", "model", "policy/internal/resource", "selector"}},
	"policy/kube":              {Imports: []string{"model", "policy/internal/resource", "selector"}},
	"policy":                   {Imports: []string{"internal/suggest", "model", "policy/internal/resource", "policy/kube", "policy/legacy", "selector"}, TestImports: []string{"internal/fuzzing"}},
	"internal/suggest":         {},
	"internal/printable":       {},
	"internal/fuzzing":         {},
	"internal/selectorio":      {Imports: []string{"selector"}},
	"internal/calico":          {Imports: []string{"model", "selector"}},
	"internal/compile": {
		Imports:     []string{"internal/calico", "model", "selector"},
		TestImports: []string{"benchmarks/workload", "eval/reference"},
	},
	"eval": {
		Imports:     []string{"internal/compile", "model"},
		TestImports: []string{"benchmarks/workload", "eval/reference", "internal/conformance", "internal/fuzzing", "policy", "selector"},
	},
	"eval/reference": {Imports: []string{"internal/calico", "model", "selector"}},
	"internal/conformance": {
		Imports:     []string{"eval", "eval/reference", "model", "policy", "policy/kube", "selector"},
		TestImports: []string{"internal/fuzzing"},
	},
	"analysis/flowlog": {Imports: []string{"model"}},
	"analysis": {
		Imports:     []string{"analysis/flowlog", "eval", "internal/calico", "internal/printable", "model", "selector"},
		TestImports: []string{"benchmarks/workload", "eval/reference", "policy"},
	},
	"benchmarks/workload": {
		Imports:     []string{"model", "policy", "policy/kube", "selector"},
		TestImports: []string{"eval", "eval/reference"},
	},
	"benchmarks": {
		TestImports: []string{"analysis", "analysis/flowlog", "authz", "authz/loadgen", "benchmarks/workload", "eval", "eval/reference", "model", "policy", "selector"},
	},
	"benchmarks/cmd/report":         {},
	"examples/internal/golden":      {},
	"examples/internal/walkthrough": {Imports: []string{"eval", "model", "policy"}},
	"examples/advanced-profiles": {
		Imports:     []string{"examples/internal/walkthrough", "model", "policy/legacy"},
		TestImports: []string{"examples/internal/golden"},
	},
	"examples/docker-labels": {
		Imports:     []string{"examples/internal/walkthrough", "model", "policy", "policy/legacy"},
		TestImports: []string{"examples/internal/golden"},
	},
	"examples/docker-profiles": {
		Imports:     []string{"examples/internal/walkthrough", "model", "policy", "policy/legacy"},
		TestImports: []string{"examples/internal/golden"},
	},
	"examples/tiers-staged": {
		Imports:     []string{"analysis", "analysis/flowlog", "examples/internal/walkthrough", "model", "policy", "selector"},
		TestImports: []string{"examples/internal/golden"},
	},
	"internal/ui": {
		Imports:     []string{"analysis", "analysis/flowlog", "eval", "eval/reference", "model", "policy", "selector"},
		TestImports: []string{"benchmarks/workload"},
	},
	"authz": {
		Imports:     []string{"eval", "model"},
		TestImports: []string{"authz/loadgen", "policy", "reload"},
	},
	"authz/loadgen": {},
	"authz/replay": {
		Imports: []string{"authz", "eval", "internal/conformance", "model"},
	},
	"reload":            {Imports: []string{"eval", "policy"}, TestImports: []string{"model"}},
	"internal/kubetest": {},
	"kubesync": {
		Imports:     []string{"eval", "model", "policy"},
		TestImports: []string{"internal/kubetest"},
	},
	"cmd/verdict": {
		TestImports: []string{"internal/kubetest"},
		Imports:     []string{"analysis", "analysis/flowlog", "authz", "authz/replay", "eval", "eval/reference", "internal/conformance", "internal/printable", "internal/selectorio", "internal/ui", "kubesync", "model", "policy", "policy/legacy", "reload", "selector"},
	},
	"internal/archtest": {},
}
