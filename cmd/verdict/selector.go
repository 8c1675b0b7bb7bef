package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/verdictlabs/verdict/selector"
)

func newSelectorCmd() *cobra.Command {
	var jsonl bool
	cmd := &cobra.Command{
		Use:   "selector EXPR [key=value ...]",
		Short: "Parse a Calico label selector and match it against labels",
		Long: `Parse a Calico label selector exactly as Calico does, print its canonical
form, and say whether the labels given as key=value arguments match it.

Exit status: 0 when the labels match, 1 when they do not, 2 when the
selector does not parse (the error is shown with a caret under the problem).
Put -- before a selector that starts with "-".

With --jsonl, read lines of {"selector": ..., "labels": {...}} from standard
input and write one JSON line for each: parse_ok always; error when the
selector (or the line) is rejected; match, canonical and unique_id when it
parses. The exit status is then 0 unless standard input cannot be read.`,
		Example: `  verdict selector 'role == "db" && has(backup)' role=db backup=true
  verdict selector --jsonl < cases.jsonl`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if jsonl {
				if len(args) > 0 {
					return usageError("selector --jsonl reads selectors from standard input and takes no arguments")
				}
				return selectorJSONL(cmd.InOrStdin(), cmd.OutOrStdout())
			}
			if len(args) == 0 {
				return usageError("selector needs a selector expression (and optionally key=value labels)")
			}
			return selectorMatch(cmd.OutOrStdout(), args[0], args[1:])
		},
	}
	cmd.Flags().BoolVar(&jsonl, "jsonl", false, "read JSON lines of selectors and labels on standard input, write one JSON result per line")
	return cmd
}

// selectorMatch parses one selector, prints its canonical form and whether
// the labels match, and answers with the exit status.
func selectorMatch(out io.Writer, text string, labelArgs []string) error {
	labels := selector.Map{}
	for _, arg := range labelArgs {
		key, value, ok := strings.Cut(arg, "=")
		if !ok || key == "" {
			return usageError("label %q is not of the form key=value", arg)
		}
		labels[key] = value
	}
	sel, err := selector.Parse(text)
	if err != nil {
		var e *selector.Error
		if !errors.As(err, &e) {
			return usageError("invalid selector: %v", err)
		}
		line, marker := selectorCaret(text, e.Offset)
		return usageError("invalid selector: %v\n  %s\n  %s", e, line, marker)
	}
	matches := sel.Matches(labels)
	fmt.Fprintf(out, "selector:  %s\nunique id: %s\nmatches:   %v\n", sel, sel.UniqueID(), matches)
	if !matches {
		return answerNo()
	}
	return nil
}

// selectorCaretWidth is how much of a long selector is shown around an
// error: enough for context, short enough for one terminal line.
const selectorCaretWidth = 72

// selectorCaret renders the selector on one line, with control characters
// and invalid bytes written as escapes so the line stays one line, and a
// second line with a caret under the byte at offset. A long selector is
// cut to a window around the offset.
func selectorCaret(text string, offset int) (line, marker string) {
	offset = min(max(offset, 0), len(text))
	type piece struct {
		shown string
		at    int // byte offset of the piece in text
	}
	var pieces []piece
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		var shown string
		switch {
		case r == utf8.RuneError && size == 1:
			shown = fmt.Sprintf(`\x%02x`, text[i])
		case r == '\t':
			shown = " "
		case r < 0x20 || r == 0x7f:
			shown = strings.Trim(fmt.Sprintf("%q", string(r)), `"`)
		default:
			shown = text[i : i+size]
		}
		pieces = append(pieces, piece{shown, i})
		i += size
	}
	// The caret stands under the piece that starts at offset, or after the
	// last piece at the end of the text.
	at := len(pieces)
	for i, p := range pieces {
		if p.at >= offset {
			at = i
			break
		}
	}
	from, to := 0, len(pieces)
	if to > selectorCaretWidth {
		from = max(0, at-selectorCaretWidth/2)
		to = min(len(pieces), from+selectorCaretWidth)
		from = max(0, to-selectorCaretWidth)
	}
	var b, m strings.Builder
	if from > 0 {
		b.WriteString("…")
		m.WriteString(" ")
	}
	for i := from; i < to; i++ {
		b.WriteString(pieces[i].shown)
		if i < at {
			m.WriteString(strings.Repeat(" ", utf8.RuneCountInString(pieces[i].shown)))
		}
	}
	if to < len(pieces) {
		b.WriteString("…")
	}
	m.WriteString("^")
	return b.String(), m.String()
}

// selectorJSONLInput is one line of --jsonl input. Other fields (such as
// the expected answers of a conformance file) are ignored.
type selectorJSONLInput struct {
	Selector *string      `json:"selector"`
	Labels   selector.Map `json:"labels"`
}

// selectorJSONLOutput is one line of --jsonl output.
type selectorJSONLOutput struct {
	ParseOK   bool   `json:"parse_ok"`
	Error     string `json:"error,omitempty"`
	Match     *bool  `json:"match,omitempty"`
	Canonical string `json:"canonical,omitempty"`
	UniqueID  string `json:"unique_id,omitempty"`
}

// selectorJSONL answers one JSON line per input line, in order. Lines are
// read whole whatever their length (no scanner token limit), so an
// oversized selector meets the selector's own length limit and gets its
// error like any other.
func selectorJSONL(in io.Reader, out io.Writer) error {
	r := bufio.NewReaderSize(in, 64<<10)
	w := bufio.NewWriter(out)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for {
		line, err := r.ReadString('\n')
		if len(line) > 0 {
			if encErr := enc.Encode(selectorJSONLAnswer(line)); encErr != nil {
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

func selectorJSONLAnswer(line string) selectorJSONLOutput {
	var in selectorJSONLInput
	if err := json.Unmarshal([]byte(line), &in); err != nil {
		return selectorJSONLOutput{Error: "invalid JSON line: " + err.Error()}
	}
	if in.Selector == nil {
		return selectorJSONLOutput{Error: `the line has no "selector" field`}
	}
	sel, err := selector.Parse(*in.Selector)
	if err != nil {
		return selectorJSONLOutput{Error: err.Error()}
	}
	match := sel.Matches(in.Labels)
	return selectorJSONLOutput{ParseOK: true, Match: &match, Canonical: sel.String(), UniqueID: sel.UniqueID()}
}
