package main

import (
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Every command that reads policy resources takes them as calicoctl and
// kubectl do: -f/--filename, repeatable, a file, a directory (its *.yaml,
// *.yml and *.json files in name order; -R/--recursive for those below it
// too) or - for standard input. Commands whose arguments mean nothing else
// take the same as arguments.
const (
	filenameFlag  = "filename"
	recursiveFlag = "recursive"
)

// addFileFlags gives cmd -f/--filename and -R/--recursive; usage says
// what the files are to this command.
func addFileFlags(cmd *cobra.Command, files *[]string, usage string) {
	addFileFlagsTo(cmd.Flags(), files, usage)
}

// addFileFlagsTo is addFileFlags on a flag set of its own choice (the
// persistent flags of a command whose subcommands share the files).
func addFileFlagsTo(f *pflag.FlagSet, files *[]string, usage string) {
	f.StringArrayVarP(files, filenameFlag, "f", nil, usage)
	f.BoolP(recursiveFlag, "R", false, "read the directories below a directory given as a file too")
}

// normalizeFlag reads --file, the name verdict used first, as --filename.
func normalizeFlag(_ *pflag.FlagSet, name string) pflag.NormalizedName {
	if name == "file" {
		return filenameFlag
	}
	return pflag.NormalizedName(name)
}

// recursive says whether cmd was given -R.
func recursive(cmd *cobra.Command) bool {
	f := cmd.Flag(recursiveFlag)
	return f != nil && f.Value.String() == "true"
}

// withArgs gives a command's policy files: those of -f, then its
// arguments, in the order given.
func withArgs(files, args []string) []string {
	return append(append([]string(nil), files...), args...)
}
