package main

import (
	"github.com/spf13/cobra"

	"github.com/verdictlabs/verdict/policy"
)

func newConvertCmd() *cobra.Command {
	var format string
	var files []string
	cmd := &cobra.Command{
		Use:     "convert [-f] FILE|DIR... [-o yaml|json]",
		Example: "  verdict convert -f examples/docker-profiles > v3.yaml",
		Short:   "Print resources as canonical Calico v3",
		Long: `convert reads the same inputs as validate (- for standard input) and prints
them as canonical Calico projectcalico.org/v3 resources: Calico's spelling of
actions and protocols, canonical selectors, legacy and Docker inputs
translated, Kubernetes policies as the Calico policies they become. Kubernetes
namespaces, service accounts and services are printed as Kubernetes objects.
Warnings go to standard error.

Exit status: 0 on success, 2 when the input has problems (printed to standard
error) and nothing was converted, when a file cannot be read or is not YAML
or JSON, or for a bad -o. (validate answers "is it valid?" and exits 1 for
problems; convert cannot do its job, as eval cannot.)`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "yaml" && format != "json" {
				return usageError("-o must be yaml or json, not %q", format)
			}
			inputs := withArgs(files, args)
			if len(inputs) == 0 {
				return usageError("no policy files: give at least one FILE or -f FILE|DIR")
			}
			res, probs, err := loadReported(cmd, inputs)
			if err != nil {
				return err
			}
			dockerNote(cmd, cmd.ErrOrStderr(), res)
			if len(probs) > 0 {
				return usageError("the input has problems; nothing was converted")
			}
			if err := policy.Encode(cmd.OutOrStdout(), res.Set, format); err != nil {
				return inputError(err)
			}
			return nil
		},
	}
	addFileFlags(cmd, &files, "file or directory of policy resources (repeatable; - for standard input); files may also be given as arguments")
	cmd.Flags().StringVarP(&format, "output", "o", "yaml", "output format: yaml or json")
	return cmd
}
