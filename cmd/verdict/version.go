package main

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// versionString reads the module version and VCS revision that the Go
// toolchain stamps into the binary, so that a go install'ed binary says
// what it was built from without a release step.
func versionString() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "verdict (no build information)"
	}
	version := info.Main.Version
	if version == "" {
		version = "(devel)"
	}
	s := "verdict " + version
	var rev, modified string
	for _, kv := range info.Settings {
		switch kv.Key {
		case "vcs.revision":
			rev = kv.Value
		case "vcs.modified":
			if kv.Value == "true" {
				modified = " (modified)"
			}
		}
	}
	if rev != "" {
		s += " revision " + rev + modified
	}
	return s + " " + info.GoVersion
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the module version and VCS revision of this binary",
		Example: "  verdict version",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), versionString())
			return err
		},
	}
}
