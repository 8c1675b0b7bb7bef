package flowlog

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Format names a flow record format.
type Format string

// Formats. Auto picks one from the file name, then from the first record.
const (
	Auto     Format = "auto"
	Verdict  Format = "verdict"
	CSV      Format = "csv"
	Calico   Format = "calico"
	Goldmane Format = "goldmane"
)

// Formats lists every format a Reader takes, Auto first.
func Formats() []Format { return []Format{Auto, Verdict, CSV, Calico, Goldmane} }

// ParseFormat reads a format name.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats() {
		if string(f) == s {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown flow format %q (want auto, verdict, csv, calico or goldmane)", s)
}

// Error is a record that cannot be read, with where it is.
type Error struct {
	File string
	Line int // 0 when the error is not on one line (a bad gzip stream)
	Err  error
}

func (e *Error) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %v", e.File, e.Err)
	}
	return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// maxLine bounds one record, so a file without newlines cannot take all
// the memory.
const maxLine = 16 << 20

// Reader reads records from one file. It is not safe for concurrent use,
// except Parse, which any number of goroutines may call.
type Reader struct {
	name    string
	format  Format
	sc      *bufio.Scanner
	line    int
	pending []byte // a line read ahead for detection; nil when none
	pendLn  int
	csv     *csvParser
	closers []io.Closer
}

// Open opens a file of records; "-" is standard input, which Open leaves
// open on Close.
func Open(path string, format Format) (*Reader, error) {
	if path == "-" {
		return NewReader(os.Stdin, "-", format)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	r, err := newReader(f, path, format)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.closers = append(r.closers, f)
	return r, nil
}

// NewReader reads records from r, which name stands for in errors. Gzip
// input is recognised by its magic number and decompressed. With Auto,
// the format comes from name's extension (".csv", after any ".gz"), else
// from the keys of the first record.
func NewReader(r io.Reader, name string, format Format) (*Reader, error) {
	return newReader(r, name, format)
}

func newReader(r io.Reader, name string, format Format) (*Reader, error) {
	if _, err := ParseFormat(string(format)); err != nil {
		return nil, err
	}
	rd := &Reader{name: name, format: format}
	br := bufio.NewReaderSize(r, 64<<10)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, &Error{File: name, Err: fmt.Errorf("gzip: %w", err)}
		}
		rd.closers = append(rd.closers, zr)
		br = bufio.NewReaderSize(zr, 64<<10)
	}
	rd.sc = bufio.NewScanner(br)
	rd.sc.Buffer(make([]byte, 0, 64<<10), maxLine)

	if rd.format == Auto {
		if strings.HasSuffix(strings.TrimSuffix(strings.ToLower(name), ".gz"), ".csv") {
			rd.format = CSV
		}
	}
	if rd.format == Auto || rd.format == CSV {
		first, n, err := rd.rawLine()
		if err == io.EOF {
			if rd.format == Auto {
				rd.format = Verdict // nothing to read, whatever the format
			}
			return rd, nil
		}
		if err != nil {
			return nil, err
		}
		if rd.format == Auto {
			rd.format, err = detect(first)
			if err != nil {
				return nil, &Error{File: name, Line: n, Err: err}
			}
		}
		if rd.format == CSV {
			if rd.csv, err = newCSVParser(first); err != nil {
				return nil, &Error{File: name, Line: n, Err: err}
			}
		} else {
			rd.pending, rd.pendLn = append([]byte(nil), first...), n
		}
	}
	return rd, nil
}

// Name is the name the reader reports in errors.
func (r *Reader) Name() string { return r.name }

// Format is the format being read; never Auto once NewReader returned.
func (r *Reader) Format() Format { return r.format }

// rawLine returns the next non-blank line and its number, valid until the
// next call.
func (r *Reader) rawLine() ([]byte, int, error) {
	for r.sc.Scan() {
		r.line++
		b := bytes.TrimSpace(r.sc.Bytes())
		if len(b) > 0 {
			return b, r.line, nil
		}
	}
	if err := r.sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, 0, &Error{File: r.name, Line: r.line + 1, Err: fmt.Errorf("line longer than %d bytes", maxLine)}
		}
		return nil, 0, &Error{File: r.name, Err: err}
	}
	return nil, 0, io.EOF
}

// NextLine returns the next record's line and number, skipping blank
// lines and the CSV header. The bytes are valid until the next call. At
// the end it returns io.EOF.
func (r *Reader) NextLine() ([]byte, int, error) {
	if r.pending != nil {
		b, n := r.pending, r.pendLn
		r.pending = nil
		return b, n, nil
	}
	return r.rawLine()
}

// Parse reads one line NextLine returned into rec. Errors are *Error,
// naming the file and line.
func (r *Reader) Parse(line []byte, n int, rec *Record) error {
	rec.reset(n)
	var err error
	switch r.format {
	case Verdict:
		err = parseVerdict(line, rec)
	case CSV:
		err = r.csv.parse(line, rec)
	case Calico:
		err = parseCalico(line, rec)
	case Goldmane:
		err = parseGoldmane(line, rec)
	}
	if err != nil {
		return &Error{File: r.name, Line: n, Err: err}
	}
	return nil
}

// Next reads the next record into rec; io.EOF at the end.
func (r *Reader) Next(rec *Record) error {
	line, n, err := r.NextLine()
	if err != nil {
		return err
	}
	return r.Parse(line, n, rec)
}

// Close closes what Open opened.
func (r *Reader) Close() error {
	var first error
	for i := len(r.closers) - 1; i >= 0; i-- {
		if err := r.closers[i].Close(); err != nil && first == nil {
			first = err
		}
	}
	r.closers = nil
	return first
}

// detect picks the format of a first line: CSV unless it is a JSON
// object, then by the keys only one format has.
func detect(line []byte) (Format, error) {
	if line[0] != '{' {
		return CSV, nil
	}
	keys, err := topKeys(line)
	if err != nil {
		return "", fmt.Errorf("cannot tell the format: %w", err)
	}
	has := func(names []string) bool {
		for _, k := range names {
			if keys[k] {
				return true
			}
		}
		return false
	}
	switch {
	case keys["src"] || keys["dst"]:
		return Verdict, nil
	case has(calicoKeys):
		return Calico, nil
	case has(goldmaneKeys):
		return Goldmane, nil
	}
	return "", fmt.Errorf("cannot tell the format from the first record's keys; give --flows-format")
}
