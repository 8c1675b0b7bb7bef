package main

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// versionInfo is what the Go toolchain stamps into the binary: the
// module version and VCS revision, so that a go install'ed binary says
// what it was built from without a release step.
type versionInfo struct {
	Version   string `json:"version"`
	Revision  string `json:"revision,omitempty"`
	Modified  bool   `json:"modified,omitempty"`
	GoVersion string `json:"goVersion,omitempty"`
}

func readVersion() (versionInfo, bool) {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return versionInfo{}, false
	}
	v := versionInfo{Version: info.Main.Version, GoVersion: info.GoVersion}
	if v.Version == "" {
		v.Version = "(devel)"
	}
	for _, kv := range info.Settings {
		switch kv.Key {
		case "vcs.revision":
			v.Revision = kv.Value
		case "vcs.modified":
			v.Modified = kv.Value == "true"
		}
	}
	return v, true
}

// versionString writes the version on one line.
func versionString() string {
	v, ok := readVersion()
	if !ok {
		return "verdict (no build information)"
	}
	s := "verdict " + v.Version
	if v.Revision != "" {
		s += " revision " + v.Revision
		if v.Modified {
			s += " (modified)"
		}
	}
	return s + " " + v.GoVersion
}

func newVersionCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:     "version [-o table|json|yaml]",
		Short:   "Print the module version and VCS revision of this binary",
		Example: "  verdict version\n  verdict version -o json",
		Args:    argCount(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(output, "table", "json", "yaml"); err != nil {
				return err
			}
			if output != "table" {
				v, _ := readVersion()
				return writeStructured(cmd.OutOrStdout(), output, v)
			}
			_, err := fmt.Fprintln(cmd.OutOrStdout(), versionString())
			return err
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table, json or yaml")
	return cmd
}
