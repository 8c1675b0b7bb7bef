package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/verdictlabs/verdict/authz/replay"
	"github.com/verdictlabs/verdict/internal/conformance"
	"github.com/verdictlabs/verdict/internal/printable"
)

func newConformanceCmd() *cobra.Command {
	var engine, via string
	cmd := &cobra.Command{
		Use:     "conformance FILE... [--engine compiled|reference] [--via authz]",
		Example: "  verdict conformance testdata/conformance/*.jsonl\n  verdict conformance --via authz testdata/conformance/*.jsonl",
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

Exit status: 0 when every case agrees, 1 when any case disagrees or cannot be
built, 2 when a file cannot be read or is not in the case schema.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
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
					return usageError("%v", err)
				}
				cases = append(cases, cs...)
			}
			var r conformance.Report
			unexpressed := ""
			if via == "authz" {
				rr, err := replay.Run(cmd.Context(), cases)
				if err != nil {
					return fmt.Errorf("starting the authz server: %w", err)
				}
				r, unexpressed = rr.Report, rr.Lines()
			} else {
				r = conformance.Run(cases, eng)
			}
			out := cmd.OutOrStdout()
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
	return cmd
}
