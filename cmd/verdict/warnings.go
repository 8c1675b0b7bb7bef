package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/verdictlabs/verdict/internal/printable"
	"github.com/verdictlabs/verdict/policy"
)

// Flags every command has for the warnings about its input.
const (
	quietFlag    = "quiet"
	warningsFlag = "warnings"
)

// shownWarnings is how many warnings a command other than validate prints
// before it sums them up in one line instead: the same half-dozen lines
// on every eval bury the answer.
const shownWarnings = 5

// dockerLabelsFlag mirrors the flag of Calico's Docker plugin that makes
// container labels endpoint labels instead of networks profiles; without
// it Docker inputs are read in Calico's default mode, whatever else the
// load holds.
const dockerLabelsFlag = "use-docker-networking-container-labels"

func addGlobalFlags(root *cobra.Command) {
	f := root.PersistentFlags()
	f.String(maxInputFlag, "", "largest input read, such as 512MiB or 2GiB; 0 for no bound (default 256MiB)")
	f.Bool(dockerLabelsFlag, false, "read Docker inputs as Calico's Docker plugin started with this flag: container labels are endpoint labels and no profiles exist (default: each Calico network is a profile)")
	f.BoolP(quietFlag, "q", false, "print no warnings or notes about the input")
	f.Bool(warningsFlag, false, fmt.Sprintf("print every warning about the input (by default more than %d are counted, not printed)", shownWarnings))
}

func flagSet(cmd *cobra.Command, name string) bool {
	f := cmd.Flag(name)
	return f != nil && f.Value.String() == "true"
}

// printWarnings writes the warnings of a load to w, one per line, or when
// there are many a count and how to see them; nothing with -q.
func printWarnings(cmd *cobra.Command, w io.Writer, res *policy.Result) {
	if res == nil || flagSet(cmd, quietFlag) {
		return
	}
	if len(res.Warnings) > shownWarnings && !flagSet(cmd, warningsFlag) {
		fmt.Fprintf(w, "verdict: %d warnings about the input, not shown: --warnings (or verdict validate) prints them, -q silences this line\n", len(res.Warnings))
		return
	}
	for _, p := range res.Warnings {
		printable.Fprintln(w, p)
	}
}

// printAllWarnings is printWarnings for validate, whose job is to list
// them all.
func printAllWarnings(cmd *cobra.Command, w io.Writer, res *policy.Result) {
	if res == nil || flagSet(cmd, quietFlag) {
		return
	}
	for _, p := range res.Warnings {
		printable.Fprintln(w, p)
	}
}

// dockerNote says which mode of Calico's Docker plugin the Docker inputs
// were read in, when the load had any: the mode changes answers, so it is
// said unless -q asks for silence.
func dockerNote(cmd *cobra.Command, w io.Writer, res *policy.Result) {
	if res == nil || res.DockerMode == "" || flagSet(cmd, quietFlag) {
		return
	}
	printable.Fprintf(w, "note: Docker inputs read as %s\n", res.DockerMode.Describe())
}
