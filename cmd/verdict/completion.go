package main

import (
	"regexp"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// protocolNames are the protocol names --proto takes, as completion
// offers them.
var protocolNames = []string{"tcp", "udp", "icmp", "icmpv6", "sctp", "udplite"}

// formatList finds the formats an -o flag's usage lists ("output format:
// table, json or yaml"), so completion and usage cannot drift apart.
var formatList = regexp.MustCompile(`output format: ([^(]*?)(?: \(.*)?$`)

// registerCompletions makes shell completion complete flag values: the
// formats of -o, protocol names, evaluator names, and for --src and --dst
// the endpoints of the files already given (with -f or as arguments).
func registerCompletions(cmd *cobra.Command) {
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		var values []string
		switch f.Name {
		case "output":
			if m := formatList.FindStringSubmatch(f.Usage); m != nil {
				values = strings.FieldsFunc(strings.ReplaceAll(m[1], " or ", ", "), func(r rune) bool { return r == ',' || r == ' ' })
			}
		case "proto":
			values = protocolNames
		case "engine":
			for name := range evaluators {
				values = append(values, name)
			}
		case "src", "dst":
			_ = cmd.RegisterFlagCompletionFunc(f.Name, completeEndpoints)
			return
		default:
			return
		}
		_ = cmd.RegisterFlagCompletionFunc(f.Name, cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
	})
	for _, c := range cmd.Commands() {
		registerCompletions(c)
	}
}

// completeEndpoints offers the endpoints of the files given so far, as
// --src and --dst take them: namespace/name, or the bare name of one
// without a namespace. Files that do not load offer nothing.
func completeEndpoints(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	given, err := cmd.Flags().GetStringArray(filenameFlag)
	given = append(given, args...)
	if err != nil || len(given) == 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	// Cobra parses the flags of a completion request twice, so a
	// repeatable flag holds each file twice.
	var files []string
	for _, f := range given {
		if !slices.Contains(files, f) {
			files = append(files, f)
		}
	}
	res, err := loadInputs(cmd, files)
	if err != nil || res == nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	names := make([]string, 0, len(res.Set.Endpoints))
	for _, e := range res.Set.Endpoints {
		if name := qualified(e.Namespace, e.Name); strings.HasPrefix(name, toComplete) {
			names = append(names, name)
		}
	}
	return names, cobra.ShellCompDirectiveNoFileComp
}
