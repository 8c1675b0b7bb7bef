package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

// rootHelp replaces cobra's command list on "verdict --help" with one that
// gives every command a one-line example beside what it does, so the
// first help a user reads shows how each command is called.
func rootHelp(root *cobra.Command) {
	defaultHelp := root.HelpFunc()
	root.SetHelpFunc(func(cmd *cobra.Command, args []string) {
		if cmd != root {
			defaultHelp(cmd, args)
			return
		}
		writeRootHelp(cmd.OutOrStdout(), root)
	})
}

func writeRootHelp(w io.Writer, root *cobra.Command) {
	fmt.Fprintf(w, "%s\n\nUsage:\n  verdict COMMAND [flags]\n\nCommands:\n", root.Long)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, c := range root.Commands() {
		if !c.IsAvailableCommand() || c.Name() == "help" {
			continue
		}
		fmt.Fprintf(tw, "  %s\t%s\n", c.Name(), c.Short)
		fmt.Fprintf(tw, "  \t  $ %s\n", firstExample(c))
	}
	tw.Flush()
	fmt.Fprintf(w, "\nGlobal flags:\n%s\n", root.PersistentFlags().FlagUsages())
	fmt.Fprintln(w, "Policy files: -f/--filename FILE|DIR (repeatable) or as arguments; a directory is its *.yaml, *.yml and *.json files in name order, -R/--recursive adds those below it; - is standard input.")
	fmt.Fprintln(w, "Exit status: 0 yes (allowed, valid, matches), 1 no (denied, problems found), 2 usage errors and unreadable input.")
	fmt.Fprintln(w, `Run "verdict COMMAND --help" for a command's flags; "verdict completion bash|zsh|fish" for shell completion.`)
}

// firstExample is the first line of a command's Example, without its
// indentation, or its usage line when it has none.
func firstExample(c *cobra.Command) string {
	for _, line := range strings.Split(c.Example, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			return strings.TrimPrefix(line, "$ ")
		}
	}
	return "verdict " + c.Use
}
