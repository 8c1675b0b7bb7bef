package main

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/verdictlabs/verdict/internal/printable"
	"github.com/verdictlabs/verdict/policy"
)

func newValidateCmd() *cobra.Command {
	var files []string
	var output string
	cmd := &cobra.Command{
		Use:     "validate [-f] FILE|DIR... [-R]",
		Short:   "Check policy resources and report every problem",
		Example: "  verdict validate -f examples/tiers-staged",
		Long: `validate reads Calico, Kubernetes, legacy Calico and Docker resources from
the files and directories (- for standard input), checks them as Calico's API
would, and prints every problem and warning, one per line, with file, document,
resource and field. It also reports what convert or eval would refuse of a
valid load: two resources convert would write under one name, a set the
evaluator cannot build. With no problem it prints a count of the resources per
kind. -o json or yaml gives the same report as data.

Exit status: 0 when the input is valid (warnings allowed), 1 when any problem
was found, 2 when a file cannot be read or is not YAML or JSON at all.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(output, "table", "json", "yaml"); err != nil {
				return err
			}
			inputs := withArgs(files, args)
			if len(inputs) == 0 {
				return usageError("no policy files: give at least one FILE or -f FILE|DIR")
			}
			res, err := loadInputs(cmd, inputs)
			var probs policy.Problems
			if err != nil && !errors.As(err, &probs) {
				var re *policy.ReadError
				if output != "table" && errors.As(err, &re) {
					// A file that is not YAML or JSON is reported as
					// data too, for a tool reading -o json; the exit
					// status stays 2.
					if werr := writeStructured(cmd.OutOrStdout(), output, readErrorReport(re)); werr != nil {
						return werr
					}
				}
				return err
			}
			if len(probs) == 0 {
				probs = refusals(res)
			}
			r := newValidateReport(res, probs)
			out := cmd.OutOrStdout()
			if output != "table" {
				if err := writeStructured(out, output, r); err != nil {
					return err
				}
			} else {
				for _, p := range probs {
					printable.Fprintln(out, p)
				}
				printAllWarnings(cmd, out, res)
				dockerNote(cmd, out, res)
				if len(probs) == 0 {
					printable.Fprintln(out, "ok: "+summary(res.Counts))
				}
			}
			if len(probs) > 0 {
				return answerNo()
			}
			return nil
		},
	}
	addFileFlags(cmd, &files, "file or directory of policy resources (repeatable; - for standard input); files may also be given as arguments")
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table, json or yaml")
	return cmd
}

// refusals are what convert or eval would refuse of a load without
// problems, as problems at the resources concerned: validate answers
// "will the other commands take this?".
func refusals(res *policy.Result) policy.Problems {
	var out policy.Problems
	for _, c := range policy.CheckEncode(res.Set) {
		o := res.Origins[c.Second]
		line, column := res.Position(c.Second, "metadata.name")
		first, _ := res.Position(c.First, "")
		out = append(out, policy.Problem{
			Severity: policy.SeverityError, File: o.File, Document: o.Document, Line: line, Column: column,
			Kind: string(c.Second.Kind), Namespace: c.Second.Namespace, Name: c.Second.Name, Path: "metadata.name",
			Msg: fmt.Sprintf("%s%s is written as %s too, so convert cannot write both; rename one", c.First, at(res.Origins[c.First], first), c.As),
		})
	}
	for _, name := range []string{"compiled", "reference"} {
		if _, err := evaluators[name](res.Set); err != nil {
			out = append(out, policy.Problem{Severity: policy.SeverityError, Msg: fmt.Sprintf("the %s evaluator refuses the set: %v", name, err)})
		}
	}
	return out
}

// at says where a resource was read, as " (at FILE:LINE, document N)",
// leaving out what is not known.
func at(o policy.Origin, line int) string {
	switch {
	case o.File != "" && line > 0:
		return fmt.Sprintf(" (at %s:%d, document %d)", o.File, line, o.Document)
	case o.File != "":
		return fmt.Sprintf(" (at %s document %d)", o.File, o.Document)
	case o.Document > 0:
		return fmt.Sprintf(" (at document %d)", o.Document)
	}
	return ""
}

// validateReport is validate's answer as data.
type validateReport struct {
	Valid      bool            `json:"valid"`
	Problems   []problemReport `json:"problems"`
	Warnings   []problemReport `json:"warnings"`
	Counts     map[string]int  `json:"counts"`
	DockerMode string          `json:"dockerMode,omitempty"`
}

// problemReport is a problem or warning as data, each part in its field.
type problemReport struct {
	File      string `json:"file,omitempty"`
	Document  int    `json:"document,omitempty"`
	Kind      string `json:"kind,omitempty"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name,omitempty"`
	Path      string `json:"path,omitempty"`
	Line      int    `json:"line,omitempty"`
	Column    int    `json:"column,omitempty"`
	Message   string `json:"message"`
}

func newValidateReport(res *policy.Result, probs policy.Problems) validateReport {
	r := validateReport{Valid: len(probs) == 0, Problems: problemReports(probs), Warnings: []problemReport{}, Counts: map[string]int{}}
	if res != nil {
		r.Warnings = problemReports(res.Warnings)
		r.Counts = res.Counts
		r.DockerMode = string(res.DockerMode)
	}
	return r
}

// readErrorReport is validate's answer as data for an input that cannot
// be read or parsed: not valid, its one problem placed as the loader
// placed it.
func readErrorReport(re *policy.ReadError) validateReport {
	file, reason := re.File, re.Err
	if pe, ok := reason.(*fs.PathError); ok {
		file, reason = pe.Path, pe.Err
	}
	p := problemReport{File: file, Document: re.Document, Line: re.Line, Message: reason.Error()}
	return validateReport{Problems: []problemReport{p}, Warnings: []problemReport{}, Counts: map[string]int{}}
}

func problemReports(ps policy.Problems) []problemReport {
	out := make([]problemReport, 0, len(ps))
	for _, p := range ps {
		out = append(out, problemReport{File: p.File, Document: p.Document, Kind: p.Kind, Namespace: p.Namespace, Name: p.Name, Path: p.Path, Line: p.Line, Column: p.Column, Message: p.Msg})
	}
	return out
}

// loadInputs loads the named files together, "-" standing for standard
// input. A file that cannot be read, or is not YAML or JSON, is a usage
// error (exit status 2); problems in the resources come back as
// policy.Problems with the Result.
func loadInputs(cmd *cobra.Command, args []string) (*policy.Result, error) {
	opts, err := loaderOptions(cmd)
	if err != nil {
		return nil, err
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
			err = l.AddPathRecursive(arg, recursive(cmd))
		}
		if err != nil {
			return nil, inputError(err)
		}
	}
	return l.Finish()
}

// loaderOptions are the loader options the global flags ask for.
func loaderOptions(cmd *cobra.Command) ([]policy.Option, error) {
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
	return opts, nil
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
