package pipeline

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/fileio"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/verdictlabs/verdict/analysis/flowlog"
)

// Roles of resource files.
const (
	RoleResources = "f"         // -f: the resources replayed against
	RoleCandidate = "candidate" // --candidate: upserted for ModeCandidate
)

// Resource names one policy resource file, in the order the command
// line gives it: the set depends on the order (the first endpoint
// claiming an address owns it), so the engine loads them sorted.
type Resource struct {
	Role  string
	Index int
	Path  string
}

// ResourceDoc is a resource file read, as the side input carries it.
type ResourceDoc struct {
	Role  string
	Index int
	Path  string
	Data  []byte
}

// Input is what a replay reads.
type Input struct {
	// Resources are the policy resource files, directories already
	// expanded (ExpandResources).
	Resources []Resource
	// Flows are files or globs of flow records, in any filesystem Beam
	// knows (local, gs://, s3://); gzip is recognised by content.
	Flows []string
	// Format is the records' format (flowlog.Format); "" for auto.
	Format string
}

// Batch is consecutive lines of one flow file, the unit that crosses the
// reshuffle. Header is the CSV header, so that any worker can parse the
// lines.
type Batch struct {
	File   string
	Format string
	Header string
	Data   []byte  // the lines, each ended by '\n'
	Lines  []int64 // each line's number in its file
}

// batchLines is how many lines a Batch holds: large enough that the
// per-element cost of a runner disappears, small enough to spread a file
// over many workers.
const batchLines = 512

// Problem kinds.
const (
	Malformed  = "malformed"  // a line that is not a record
	Unresolved = "unresolved" // a record whose peer names nothing
	Unreadable = "unreadable" // a file that cannot be opened or read on
)

// Problem is a record (or file) that was not replayed, with where it is.
// Line is 0 for a problem with the whole file.
type Problem struct {
	Kind   string `json:"kind"`
	File   string `json:"file"`
	Line   int64  `json:"line,omitempty"`
	Detail string `json:"detail"`
}

func init() {
	register.DoFn2x2[context.Context, Resource, ResourceDoc, error]((*readResourceFn)(nil))
	register.DoFn4x1[context.Context, fileio.ReadableFile, func(Batch), func(Problem), error]((*readBatchesFn)(nil))
	register.Emitter1[Batch]()
	register.Emitter1[Problem]()
	register.Emitter1[ResourceDoc]()
}

// ReadResources reads the resource files into the side input's
// collection.
func ReadResources(s beam.Scope, resources []Resource) beam.PCollection {
	s = s.Scope("ReadResources")
	names := make([]any, len(resources))
	for i, r := range resources {
		names[i] = r
	}
	return beam.ParDo(s, &readResourceFn{}, beam.Create(s, names...))
}

type readResourceFn struct{}

func (readResourceFn) ProcessElement(ctx context.Context, r Resource) (ResourceDoc, error) {
	data, err := ReadFile(ctx, r.Path)
	if err != nil {
		return ResourceDoc{}, err
	}
	return ResourceDoc{Role: r.Role, Index: r.Index, Path: r.Path, Data: data}, nil
}

// ReadFile reads a whole file from any filesystem Beam knows.
func ReadFile(ctx context.Context, path string) ([]byte, error) {
	fs, err := filesystem.New(ctx, path)
	if err != nil {
		return nil, err
	}
	defer fs.Close()
	rc, err := fs.OpenRead(ctx, path)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// ReadFlows matches the flow files and reads them into batches of lines,
// reshuffled so that workers share a large file's lines. Files that
// cannot be read go to the problems collection.
func ReadFlows(s beam.Scope, in Input) (batches, problems beam.PCollection) {
	s = s.Scope("ReadFlows")
	var matched []beam.PCollection
	for _, glob := range in.Flows {
		matched = append(matched, fileio.MatchFiles(s, glob, fileio.MatchEmptyDisallow()))
	}
	files := fileio.ReadMatches(s, beam.Flatten(s, matched...), fileio.ReadUncompressed())
	format := in.Format
	if format == "" {
		format = string(flowlog.Auto)
	}
	batches, problems = beam.ParDo2(s, &readBatchesFn{Format: format}, files)
	return beam.Reshuffle(s, batches), problems
}

type readBatchesFn struct {
	Format string
}

func (fn *readBatchesFn) ProcessElement(ctx context.Context, f fileio.ReadableFile, emit func(Batch), problem func(Problem)) error {
	name := f.Metadata.Path
	rc, err := f.Open(ctx)
	if err != nil {
		problem(Problem{Kind: Unreadable, File: name, Detail: err.Error()})
		return nil
	}
	defer rc.Close()
	rd, err := flowlog.NewReader(rc, name, flowlog.Format(fn.Format))
	if err != nil {
		problem(fileProblem(name, err))
		return nil
	}
	defer rd.Close()
	var header string
	if rd.Format() == flowlog.CSV {
		if header, err = firstLine(ctx, f); err != nil {
			problem(Problem{Kind: Unreadable, File: name, Detail: err.Error()})
			return nil
		}
	}
	b := Batch{File: name, Format: string(rd.Format()), Header: header}
	for {
		line, n, err := rd.NextLine()
		if err == io.EOF {
			break
		}
		if err != nil {
			// A corrupt stream or an overlong line ends the file: its
			// lines after it cannot be found.
			p := fileProblem(name, err)
			p.Detail += "; the rest of the file is not read"
			problem(p)
			break
		}
		b.Data = append(append(b.Data, line...), '\n')
		b.Lines = append(b.Lines, int64(n))
		if len(b.Lines) == batchLines {
			reshuffled.Inc(ctx, batchBytes(&b))
			emit(b)
			b = Batch{File: name, Format: b.Format, Header: header}
		}
	}
	if len(b.Lines) > 0 {
		reshuffled.Inc(ctx, batchBytes(&b))
		emit(b)
	}
	return nil
}

// batchBytes is about what a batch weighs encoded: its payload, and a
// varint of about three bytes per line number.
func batchBytes(b *Batch) int64 {
	return int64(len(b.Data) + len(b.File) + len(b.Header) + 3*len(b.Lines))
}

func fileProblem(name string, err error) Problem {
	p := Problem{Kind: Unreadable, File: name, Detail: err.Error()}
	var fe *flowlog.Error
	if errors.As(err, &fe) {
		p.Line, p.Detail = int64(fe.Line), fe.Err.Error()
		if fe.Line > 0 {
			p.Kind = Malformed
		}
	}
	return p
}

// firstLine reads a file's first non-blank line, gunzipped, as
// flowlog's reader takes a CSV file's header.
func firstLine(ctx context.Context, f fileio.ReadableFile) (string, error) {
	rc, err := f.Open(ctx)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	br := bufio.NewReader(rc)
	var r io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return "", err
		}
		defer zr.Close()
		r = zr
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		if b := bytes.TrimSpace(sc.Bytes()); len(b) > 0 {
			return string(b), nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", fmt.Errorf("no CSV header")
}

// parser parses the lines of batches; it keeps one flowlog.Reader per
// file, format and header.
type parser struct {
	readers map[[3]string]*flowlog.Reader
}

func (p *parser) reader(b *Batch) (*flowlog.Reader, error) {
	k := [3]string{b.File, b.Format, b.Header}
	if r := p.readers[k]; r != nil {
		return r, nil
	}
	if p.readers == nil || len(p.readers) > 64 {
		p.readers = map[[3]string]*flowlog.Reader{}
	}
	// A reader over the header alone: it parses the lines it is given
	// and reads nothing more.
	r, err := flowlog.NewReader(strings.NewReader(b.Header), b.File, flowlog.Format(b.Format))
	if err != nil {
		return nil, err
	}
	p.readers[k] = r
	return r, nil
}

// each calls fn with each record of the batch, and bad with each line
// that is not one.
func (p *parser) each(b *Batch, fn func(*flowlog.Record), bad func(Problem)) error {
	r, err := p.reader(b)
	if err != nil {
		return err
	}
	var rec flowlog.Record
	data := b.Data
	for _, n := range b.Lines {
		i := bytes.IndexByte(data, '\n')
		line := data[:i]
		data = data[i+1:]
		if err := r.Parse(line, int(n), &rec); err != nil {
			bad(fileProblem(b.File, err))
			continue
		}
		fn(&rec)
	}
	return nil
}
