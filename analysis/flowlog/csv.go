package flowlog

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
)

// csvParser reads the CSV format: the verdict format's keys as a header
// row, one record a row. A column may be missing or empty; an unknown
// column is an error.
type csvParser struct {
	index map[string]int // key to column
	width int
}

func newCSVParser(header []byte) (*csvParser, error) {
	cols, err := csvFields(header)
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	p := &csvParser{index: make(map[string]int, len(cols)), width: len(cols)}
	for i, c := range cols {
		c = strings.TrimSpace(c)
		if !slices.Contains(verdictKeys, c) {
			return nil, fmt.Errorf("header: unknown column %q (want %s)", c, strings.Join(verdictKeys, ", "))
		}
		if _, dup := p.index[c]; dup {
			return nil, fmt.Errorf("header: column %q twice", c)
		}
		p.index[c] = i
	}
	for _, need := range []string{"src", "dst"} {
		if _, ok := p.index[need]; !ok {
			return nil, fmt.Errorf("header: no %s column", need)
		}
	}
	return p, nil
}

func csvFields(line []byte) ([]string, error) {
	r := csv.NewReader(bytes.NewReader(line))
	r.FieldsPerRecord = -1
	fields, err := r.Read()
	if err != nil {
		return nil, err
	}
	if _, err := r.Read(); err == nil {
		return nil, fmt.Errorf("a quoted field spans lines, which is not supported")
	}
	return fields, nil
}

func (p *csvParser) parse(line []byte, rec *Record) error {
	fields, err := csvFields(line)
	if err != nil {
		return err
	}
	if len(fields) != p.width {
		return fmt.Errorf("%d fields, the header has %d", len(fields), p.width)
	}
	get := func(k string) string {
		if i, ok := p.index[k]; ok {
			return strings.TrimSpace(fields[i])
		}
		return ""
	}
	num := func(k string) (flexUint, error) {
		var f flexUint
		s := get(k)
		if s == "" {
			return f, nil
		}
		if err := f.UnmarshalJSON([]byte(s)); err != nil {
			return f, fmt.Errorf("%s: %w", k, err)
		}
		return f, nil
	}
	var v verdictLine
	v.Src, v.Dst = get("src"), get("dst")
	v.Proto, v.Time, v.Action = flexString(get("proto")), flexString(get("time")), get("action")
	if v.Sport, err = num("sport"); err != nil {
		return err
	}
	if v.Dport, err = num("dport"); err != nil {
		return err
	}
	var t, c flexUint
	if t, err = num("icmp_type"); err != nil {
		return err
	}
	if c, err = num("icmp_code"); err != nil {
		return err
	}
	v.ICMPType, v.ICMPCode = t, c
	if v.Count, err = num("count"); err != nil {
		return err
	}
	return v.fill(rec)
}
