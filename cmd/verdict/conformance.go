package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/verdictlabs/verdict/authz/replay"
	"github.com/verdictlabs/verdict/internal/conformance"
	"github.com/verdictlabs/verdict/internal/printable"
	"github.com/verdictlabs/verdict/model"
)

func newConformanceCmd() *cobra.Command {
	var engine, via, output string
	cmd := &cobra.Command{
		Use:     "conformance FILE... [--engine compiled|reference] [--via authz] [-o table|json|yaml]",
		Example: "  verdict conformance testdata/conformance/*.jsonl\n  verdict conformance --via authz testdata/conformance/*.jsonl\n  verdict conformance -o json testdata/conformance/*.jsonl | jq '.failures[].id'",
		Short:   "Check an engine against Calico's conformance cases",
		Long: `conformance reads verdict cases in the schema of Calico's conformance vectors
(one JSON object per line: a scenario, a flow, and the enforced and pending
verdicts and traces Calico's pipeline gave), answers each with an engine, and
compares both verdicts and both traces, hit for hit. It prints every
disagreement (case id, what Calico said, what the engine said), the count per
family of cases, and a last line "N passed, M failed".

The engine is the compiled engine that embedders use (the default) or the
reference evaluator, the executable specification (--engine reference).

With --via authz the cases go through the ext_authz server of "verdict
authz" instead: it starts on a free loopback port, and each case that an
Envoy CheckRequest can express (ingress at the destination, over TCP) is
sent by a gRPC client, its answer read from the response (status, and both
verdicts and traces from the dynamic metadata). The cases it cannot express
are counted on a line of their own.

-o json or yaml writes the same report as data: the counts, the families,
and each failure with its case id, file and line, and what Calico and the
engine said (verdicts and traces, hits as in the case schema) or the error.

Exit status: 0 when every case agrees, 1 when any case disagrees or cannot be
built, 2 when a file cannot be read or is not in the case schema.`,
		Args: argCount(1, -1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(output, "table", "json", "yaml"); err != nil {
				return err
			}
			eng, err := evaluatorNamed(engine)
			if err != nil {
				return err
			}
			switch via {
			case "":
			case "authz":
				if engine != "compiled" {
					return usageError("--via authz serves the compiled engine; --engine %s cannot go through it", engine)
				}
			default:
				return usageError("--via must be authz, not %q", via)
			}
			var cases []conformance.Case
			for _, path := range args {
				cs, err := conformance.ReadFile(path)
				if err != nil {
					return inputError(err)
				}
				cases = append(cases, cs...)
			}
			var r conformance.Report
			unexpressed := ""
			var rr *replay.Report
			if via == "authz" {
				run, err := replay.Run(cmd.Context(), cases)
				if err != nil {
					return fmt.Errorf("starting the authz server: %w", err)
				}
				r, unexpressed, rr = run.Report, run.Lines(), &run
			} else {
				r = conformance.Run(cases, eng)
			}
			out := cmd.OutOrStdout()
			if output != "table" {
				if err := writeStructured(out, output, newConformanceReport(engine, via, r, rr)); err != nil {
					return err
				}
				if r.Failed > 0 {
					return answerNo()
				}
				return nil
			}
			for _, f := range r.Failures {
				printable.Fprintln(out, "disagree:", f)
			}
			for _, line := range r.FamilyLines() {
				printable.Fprintln(out, line)
			}
			if unexpressed != "" {
				fmt.Fprintln(out, printable.Lines(unexpressed))
			}
			printable.Fprintf(out, "%d passed, %d failed\n", r.Passed, r.Failed)
			if r.Failed > 0 {
				return answerNo()
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&engine, "engine", "compiled", "engine to test: compiled or reference")
	cmd.Flags().StringVar(&via, "via", "", "answer through a server: authz (Envoy ext_authz over gRPC on loopback)")
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table, json or yaml")
	return cmd
}

// conformanceReport is conformance's answer as data.
type conformanceReport struct {
	Engine   string                  `json:"engine"`
	Via      string                  `json:"via,omitempty"`
	Passed   int                     `json:"passed"`
	Failed   int                     `json:"failed"`
	Families []conformanceFamily     `json:"families"`
	Failures []conformanceFailure    `json:"failures"`
	NotSent  *conformanceUnexpressed `json:"notExpressible,omitempty"`
}

// conformanceFamily is the count of one family of cases.
type conformanceFamily struct {
	Family string `json:"family"`
	Passed int    `json:"passed"`
	Total  int    `json:"total"`
}

// conformanceFailure is one case the engine disagreed on or could not
// answer.
type conformanceFailure struct {
	ID       string              `json:"id"`
	File     string              `json:"file,omitempty"`
	Line     int                 `json:"line,omitempty"`
	Error    string              `json:"error,omitempty"`
	Expected *conformanceOutcome `json:"expected,omitempty"`
	Got      *conformanceOutcome `json:"got,omitempty"`
}

// conformanceOutcome is both verdicts and both traces of a case.
type conformanceOutcome struct {
	Allowed        bool        `json:"allowed"`
	Trace          []model.Hit `json:"trace"`
	PendingAllowed bool        `json:"pendingAllowed"`
	PendingTrace   []model.Hit `json:"pendingTrace"`
}

// conformanceUnexpressed counts the cases --via authz could not send, by
// reason.
type conformanceUnexpressed struct {
	Count int            `json:"count"`
	Why   map[string]int `json:"why,omitempty"`
}

func newConformanceReport(engine, via string, r conformance.Report, rr *replay.Report) conformanceReport {
	out := conformanceReport{Engine: engine, Via: via, Passed: r.Passed, Failed: r.Failed,
		Families: []conformanceFamily{}, Failures: []conformanceFailure{}}
	for _, f := range r.Families {
		out.Families = append(out.Families, conformanceFamily{Family: f.Family, Passed: f.Passed, Total: f.Total})
	}
	for _, f := range r.Failures {
		cf := conformanceFailure{ID: f.Case.ID, File: f.Case.File, Line: f.Case.Line}
		if f.Err != nil {
			cf.Error = f.Err.Error()
		} else {
			cf.Expected, cf.Got = outcomeReport(f.Want), outcomeReport(f.Got)
		}
		out.Failures = append(out.Failures, cf)
	}
	if rr != nil {
		out.NotSent = &conformanceUnexpressed{Count: rr.Unexpressible, Why: rr.Why}
	}
	return out
}

func outcomeReport(o conformance.Outcome) *conformanceOutcome {
	nonNil := func(h []model.Hit) []model.Hit {
		if h == nil {
			return []model.Hit{}
		}
		return h
	}
	return &conformanceOutcome{Allowed: o.Allowed, Trace: nonNil(o.Trace), PendingAllowed: o.PendingAllowed, PendingTrace: nonNil(o.PendingTrace)}
}
