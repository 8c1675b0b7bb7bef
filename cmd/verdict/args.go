package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
)

// argCount checks a command's positional arguments, at least min and at
// most max (max < 0 for no bound). A wrong count is a usage error that
// says what the command expects, by its usage line, in place of cobra's
// "requires at least 3 arg(s)" or "unknown command".
func argCount(min, max int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) >= min && (max < 0 || len(args) <= max) {
			return nil
		}
		var what string
		switch {
		case max == 0:
			what = fmt.Sprintf("takes no arguments, got %q", args)
			if cmd.Flags().Lookup("before") != nil && cmd.Flags().Lookup("after") != nil {
				what += "; give the two sets with --before FILE|DIR and --after FILE|DIR"
			}
		case len(args) < min:
			what = fmt.Sprintf("needs %s, got %d", plural(min, "argument"), len(args))
		default:
			what = fmt.Sprintf("takes at most %s, got %d", plural(max, "argument"), len(args))
		}
		name := strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" ")
		return usageError("%s %s\nusage: %s\nrun %q for more", name, what, cmd.UseLine(), cmd.CommandPath()+" --help")
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
