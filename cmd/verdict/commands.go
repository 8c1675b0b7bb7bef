package main

import "github.com/spf13/cobra"

// commands lists the subcommands of verdict, one constructor per file.
func commands() []*cobra.Command {
	return []*cobra.Command{
		newSelectorCmd(),
		newValidateCmd(),
		newConvertCmd(),
		newProfileCmd(),
		newEvalCmd(),
		newExplainCmd(),
		newImpactCmd(),
		newRecommendCmd(),
		newConformanceCmd(),
		newLintCmd(),
		newMatrixCmd(),
		newQueryCmd(),
		newDiffCmd(),
		newUICmd(),
		newAuthzCmd(),
		newVersionCmd(),
		newServeCmd(),
	}
}
