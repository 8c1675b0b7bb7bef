package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/verdictlabs/verdict/policy"
)

func newValidateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "validate FILE...",
		Short: "Check policy resources and report every problem",
		Long: `validate reads Calico, Kubernetes, legacy Calico and Docker resources from
the files (- for standard input), checks them as Calico's API would, and prints
every problem and warning, one per line, with file, document, resource and
field. With no problem it prints a count of the resources per kind.

Exit status: 0 when the input is valid (warnings allowed), 1 when any problem
was found, 2 when a file cannot be read or is not YAML or JSON at all.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := loadInputs(cmd, args)
			var probs policy.Problems
			if err != nil && !errors.As(err, &probs) {
				return err
			}
			out := cmd.OutOrStdout()
			for _, p := range probs {
				fmt.Fprintln(out, p)
			}
			printWarnings(out, res)
			dockerNote(out, res)
			if len(probs) > 0 {
				return answerNo()
			}
			fmt.Fprintln(out, "ok: "+summary(res.Counts))
			return nil
		},
	}
}

// loadInputs loads the named files together, "-" standing for standard
// input. A file that cannot be read, or is not YAML or JSON, is a usage
// error (exit status 2); problems in the resources come back as
// policy.Problems with the Result.
func loadInputs(cmd *cobra.Command, args []string) (*policy.Result, error) {
	var opts []policy.Option
	if f := cmd.Flag(maxInputFlag); f != nil && f.Changed {
		n, err := parseSize(f.Value.String())
		if err != nil {
			return nil, usageError("--%s: %v", maxInputFlag, err)
		}
		opts = append(opts, policy.MaxInputSize(n))
	}
	if f := cmd.Flag(dockerLabelsFlag); f != nil && f.Value.String() == "true" {
		opts = append(opts, policy.UseDockerContainerLabels())
	}
	l := policy.NewLoader(opts...)
	stdinUsed := false
	for _, arg := range args {
		var err error
		if arg == "-" {
			if stdinUsed {
				return nil, usageError("standard input (-) can be read only once")
			}
			stdinUsed = true
			err = l.Add("<stdin>", cmd.InOrStdin())
		} else {
			err = l.AddPath(arg)
		}
		if err != nil {
			return nil, usageError("%v", err)
		}
	}
	return l.Finish()
}

// summary lists the resources read per input kind, by kind name:
// "2 GlobalNetworkPolicy, 1 Namespace, 3 Pod".
func summary(counts map[string]int) string {
	if len(counts) == 0 {
		return "no resources"
	}
	kinds := make([]string, 0, len(counts))
	for k := range counts {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%d %s", counts[k], k)
	}
	return strings.Join(parts, ", ")
}

// printWarnings writes warnings to w, one per line.
func printWarnings(w io.Writer, res *policy.Result) {
	if res == nil {
		return
	}
	for _, p := range res.Warnings {
		fmt.Fprintln(w, p)
	}
}

// dockerLabelsFlag mirrors the flag of Calico's Docker plugin that makes
// container labels endpoint labels instead of networks profiles; without
// it Docker inputs are read in Calico's default mode, whatever else the
// load holds.
const dockerLabelsFlag = "use-docker-networking-container-labels"

// dockerNote says which mode of Calico's Docker plugin the Docker inputs
// were read in, when the load had any: the mode changes answers, so it is
// never left unsaid.
func dockerNote(w io.Writer, res *policy.Result) {
	if res == nil || res.DockerMode == "" {
		return
	}
	fmt.Fprintf(w, "note: Docker inputs read as %s\n", res.DockerMode.Describe())
}

// maxInputFlag bounds the bytes read from each input (policy.MaxInputSize).
const maxInputFlag = "max-input-size"

// parseSize reads a byte count: a whole number, optionally followed by K,
// M or G (or KiB, MiB, GiB), all powers of 1024.
func parseSize(s string) (int64, error) {
	num := strings.TrimRightFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	shift := 0
	switch strings.ToLower(strings.TrimSpace(s[len(num):])) {
	case "", "b":
	case "k", "kib", "kb":
		shift = 10
	case "m", "mib", "mb":
		shift = 20
	case "g", "gib", "gb":
		shift = 30
	default:
		return 0, fmt.Errorf("%q is not a size such as 512MiB or 2GiB", s)
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64>>shift {
		return 0, fmt.Errorf("%q is not a size such as 512MiB or 2GiB", s)
	}
	return n << shift, nil
}
