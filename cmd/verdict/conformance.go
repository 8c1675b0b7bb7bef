package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/verdictlabs/verdict/internal/conformance"
)

func newConformanceCmd() *cobra.Command {
	var engine string
	cmd := &cobra.Command{
		Use:     "conformance FILE... [--engine compiled|reference]",
		Example: "  verdict conformance testdata/conformance/*.jsonl",
		Short:   "Check an engine against Calico's conformance cases",
		Long: `conformance reads verdict cases in the schema of Calico's conformance vectors
(one JSON object per line: a scenario, a flow, and the enforced and pending
verdicts and traces Calico's pipeline gave), answers each with an engine, and
compares both verdicts and both traces, hit for hit. It prints every
disagreement (case id, what Calico said, what the engine said), the count per
family of cases, and a last line "N passed, M failed".

The engine is the compiled engine that embedders use (the default) or the
reference evaluator, the executable specification (--engine reference).

Exit status: 0 when every case agrees, 1 when any case disagrees or cannot be
built, 2 when a file cannot be read or is not in the case schema.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, err := evaluatorNamed(engine)
			if err != nil {
				return err
			}
			var cases []conformance.Case
			for _, path := range args {
				cs, err := conformance.ReadFile(path)
				if err != nil {
					return usageError("%v", err)
				}
				cases = append(cases, cs...)
			}
			r := conformance.Run(cases, eng)
			out := cmd.OutOrStdout()
			for _, f := range r.Failures {
				fmt.Fprintln(out, "disagree:", f)
			}
			for _, line := range r.FamilyLines() {
				fmt.Fprintln(out, line)
			}
			fmt.Fprintf(out, "%d passed, %d failed\n", r.Passed, r.Failed)
			if r.Failed > 0 {
				return answerNo()
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&engine, "engine", "compiled", "engine to test: compiled or reference")
	return cmd
}
