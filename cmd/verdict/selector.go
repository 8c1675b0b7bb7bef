package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/verdictlabs/verdict/internal/printable"
	"github.com/verdictlabs/verdict/internal/selectorio"
	"github.com/verdictlabs/verdict/selector"
)

func newSelectorCmd() *cobra.Command {
	var jsonl bool
	var output string
	cmd := &cobra.Command{
		Use:   "selector EXPR [key=value ...]",
		Short: "Parse a Calico label selector and match it against labels",
		Long: `Parse a Calico label selector exactly as Calico does, print its canonical
form, and say whether the labels given as key=value arguments match it.

Without labels it prints the canonical form and exits 0.

Exit status: 0 when the labels match, 1 when they do not, 2 when the
selector does not parse (the error is shown with a caret under the problem).
Put -- before a selector that starts with "-".

With --jsonl, read lines of {"selector": ..., "labels": {...}} from standard
input and write one JSON line for each: parse_ok always; error when the
selector (or the line) is rejected; match, canonical and unique_id when it
parses. A line may be at most 1 MiB long (a selector at most 64 KiB). The
exit status is then 0 unless standard input cannot be read or a line is
longer than that (2, after the answers to the lines before it).

-o json or yaml prints the same answer as data (selector, uniqueId, matches
when labels are given; error and offset when it does not parse).`,
		Example: `  verdict selector 'role == "db" && has(backup)' role=db backup=true
  verdict selector --jsonl < cases.jsonl`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(output, "table", "json", "yaml"); err != nil {
				return err
			}
			if jsonl {
				if len(args) > 0 {
					return usageError("selector --jsonl reads selectors from standard input and takes no arguments")
				}
				return selectorJSONL(cmd.InOrStdin(), cmd.OutOrStdout())
			}
			if len(args) == 0 {
				return usageError("selector needs a selector expression (and optionally key=value labels)")
			}
			return selectorMatch(cmd.OutOrStdout(), output, args[0], args[1:])
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table, json or yaml")
	cmd.Flags().BoolVar(&jsonl, "jsonl", false, "read JSON lines of selectors and labels on standard input, write one JSON result per line")
	return cmd
}

// selectorMatch parses one selector, prints its canonical form and whether
// the labels match, and answers with the exit status.
func selectorMatch(out io.Writer, format, text string, labelArgs []string) error {
	labels, err := selectorio.ParseLabels(labelArgs)
	if err != nil {
		return usageError("%v", err)
	}
	sel, err := selector.Parse(text)
	if format != "table" {
		return selectorStructured(out, format, sel, err, labels, len(labelArgs) > 0)
	}
	if err != nil {
		var e *selector.Error
		if !errors.As(err, &e) {
			return usageError("invalid selector: %v", err)
		}
		return usageError("invalid selector: %v\n  %s", e, strings.ReplaceAll(e.Caret(), "\n", "\n  "))
	}
	if len(labelArgs) == 0 {
		// No labels: the question is only whether it parses, and it does.
		printable.Fprintf(out, "selector:  %s\nunique id: %s\n", sel, sel.UniqueID())
		return nil
	}
	matches := sel.Matches(labels)
	printable.Fprintf(out, "selector:  %s\nunique id: %s\nmatches:   %v\n", sel, sel.UniqueID(), matches)
	if !matches {
		return answerNo()
	}
	return nil
}

// selectorReport is the answer of "verdict selector -o json|yaml".
type selectorReport struct {
	ParseOK  bool   `json:"parseOk"`
	Selector string `json:"selector,omitempty"`
	UniqueID string `json:"uniqueId,omitempty"`
	Matches  *bool  `json:"matches,omitempty"`
	Error    string `json:"error,omitempty"`
	Offset   *int   `json:"offset,omitempty"`
}

// selectorStructured writes the answer as data; the exit status is the
// table's.
func selectorStructured(out io.Writer, format string, sel *selector.Selector, err error, labels selector.Map, withLabels bool) error {
	var r selectorReport
	var e *selector.Error
	switch {
	case errors.As(err, &e):
		r.Error, r.Offset = e.Error(), &e.Offset
	case err != nil:
		r.Error = err.Error()
	default:
		r.ParseOK, r.Selector, r.UniqueID = true, sel.String(), sel.UniqueID()
		if withLabels {
			m := sel.Matches(labels)
			r.Matches = &m
		}
	}
	if werr := writeStructured(out, format, r); werr != nil {
		return werr
	}
	switch {
	case err != nil:
		return &exitError{code: exitUsage}
	case r.Matches != nil && !*r.Matches:
		return answerNo()
	}
	return nil
}

// selectorJSONL answers one JSON line per input line, in order. Lines are
// read whole up to selectorio.MaxLine (no scanner token limit below it), so an
// oversized selector meets the selector's own length limit and gets its
// error like any other; a longer line stops the run with a usage error.
func selectorJSONL(in io.Reader, out io.Writer) error {
	r := bufio.NewReaderSize(in, 64<<10)
	w := bufio.NewWriter(out)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for n := 1; ; n++ {
		line, err := selectorio.ReadLine(r, selectorio.MaxLine)
		if errors.Is(err, selectorio.ErrLineTooLong) {
			_ = w.Flush()
			return usageError("standard input line %d is longer than %d bytes, the limit of a --jsonl line", n, selectorio.MaxLine)
		}
		if len(line) > 0 {
			if encErr := enc.Encode(selectorio.Answer(line)); encErr != nil {
				return encErr
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			_ = w.Flush()
			return usageError("reading standard input: %v", err)
		}
	}
	return w.Flush()
}
