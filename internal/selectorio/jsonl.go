package selectorio

import (
	"bufio"
	"encoding/json"
	"errors"

	"github.com/verdictlabs/verdict/selector"
)

// Input is one line of --jsonl input. Other fields (such as the expected
// answers of a conformance file) are ignored.
type Input struct {
	Selector *string      `json:"selector"`
	Labels   selector.Map `json:"labels"`
}

// Output is the answer to one line of --jsonl input.
type Output struct {
	ParseOK   bool   `json:"parse_ok"`
	Error     string `json:"error,omitempty"`
	Match     *bool  `json:"match,omitempty"`
	Canonical string `json:"canonical,omitempty"`
	UniqueID  string `json:"unique_id,omitempty"`
}

// MaxLine bounds one --jsonl line. The longest selector accepted is
// 64 KiB, six times that when every byte is written as a JSON \u escape,
// and its labels rarely a tenth of it; the longest line of the
// conformance files is 30 KB. A line past the bound is an input that
// never ends (/dev/zero) or is not --jsonl at all, and reading on would
// grow without limit.
const MaxLine = 1 << 20

// ErrLineTooLong is ReadLine's error for a line over its bound.
var ErrLineTooLong = errors.New("line too long")

// ReadLine reads up to and including the next newline, or to the end of
// the input; a line of more than max bytes is ErrLineTooLong, found
// before more than max bytes of it are held.
func ReadLine(r *bufio.Reader, max int) (string, error) {
	var buf []byte
	for {
		frag, err := r.ReadSlice('\n')
		if len(buf)+len(frag) > max {
			return "", ErrLineTooLong
		}
		if err != bufio.ErrBufferFull {
			if buf == nil {
				return string(frag), err
			}
			return string(append(buf, frag...)), err
		}
		buf = append(buf, frag...)
	}
}

// Answer answers one line: the selector parsed and matched against the
// labels, or why the line or its selector is refused.
func Answer(line string) Output {
	var in Input
	if err := json.Unmarshal([]byte(line), &in); err != nil {
		return Output{Error: "invalid JSON line: " + err.Error()}
	}
	if in.Selector == nil {
		return Output{Error: `the line has no "selector" field`}
	}
	sel, err := selector.Parse(*in.Selector)
	if err != nil {
		return Output{Error: err.Error()}
	}
	match := sel.Matches(in.Labels)
	return Output{ParseOK: true, Match: &match, Canonical: sel.String(), UniqueID: sel.UniqueID()}
}
