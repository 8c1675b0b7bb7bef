// Command verdict parses Calico selectors and policy resources and decides
// flows the way Calico does.
//
// Every command uses one exit-status convention: 0 for success and "yes"
// (allowed, matches, valid), 1 for a definite "no" (denied, no match,
// problems reported), 2 for usage errors and input that cannot be read or
// parsed.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/verdictlabs/verdict/internal/printable"
)

// Exit statuses shared by every command.
const (
	exitYes   = 0
	exitNo    = 1
	exitUsage = 2
)

// exitError carries the exit status a command wants; a nil err means the
// command already printed what it had to say.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// answerNo reports a definite "no" that has already been printed.
func answerNo() error { return &exitError{code: exitNo} }

// usageError reports bad usage or unreadable input (exit status 2).
func usageError(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// inputError reports input that cannot be read or used (exit status 2),
// keeping err whole so that errorText can word a file that cannot be
// read as every command words it.
func inputError(err error) error {
	return &exitError{code: exitUsage, err: err}
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "verdict",
		Short:         "Decide network policy exactly as Calico does",
		Long:          "verdict parses Calico label selectors and policy resources, and decides whether a flow is allowed, by which tier, policy and rule.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(flagError)
	addGlobalFlags(root)
	root.Version = versionString()
	root.SetVersionTemplate("{{.Version}}\n")
	root.AddCommand(commands()...)
	root.SetGlobalNormalizationFunc(normalizeFlag)
	root.SetHelpCommand(newHelpCmd(root))
	rootHelp(root)
	root.InitDefaultCompletionCmd()
	registerCompletions(root)
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			c.Example = "  source <(verdict completion bash)"
		}
	}
	return root
}

// run executes the command line and returns the process exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runContext(context.Background(), args, stdin, stdout, stderr)
}

// runContext is run with a context; a long-running command (serve) stops
// when it ends.
func runContext(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitYes
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(stderr, "verdict:", printable.Lines(errorText(ee.err)))
		}
		return ee.code
	}
	// Cobra's own errors (unknown command, bad flag) and files that cannot
	// be read are usage errors.
	fmt.Fprintln(stderr, "verdict:", printable.Lines(errorText(err)))
	return exitUsage
}

// errorText words an error as every command words it. A file that
// cannot be read is "FILE: reason" whichever command and layer found it
// (the loader, the file watcher of serve and authz, a flow reader):
// Go's "lstat FILE: reason" names a system call, not the problem, and
// layers that add the file's name again would name it twice.
func errorText(err error) string {
	msg := err.Error()
	var pe *fs.PathError
	if !errors.As(err, &pe) {
		return msg
	}
	plain := pe.Path + ": " + pe.Err.Error()
	msg = strings.Replace(msg, pe.Error(), plain, 1)
	return strings.Replace(msg, pe.Path+": "+plain, plain, 1)
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// newHelpCmd replaces cobra's help command, which prints the usage and
// exits 0 for a topic it does not know: an unknown topic is a usage error.
func newHelpCmd(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		RunE: func(cmd *cobra.Command, args []string) error {
			target, rest, err := root.Find(args)
			if err != nil || len(rest) > 0 {
				return usageError("unknown help topic %q; run verdict --help for the commands", strings.Join(args, " "))
			}
			target.InitDefaultHelpFlag()
			return target.Help()
		},
	}
}
