package pipeline

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/verdictlabs/verdict/analysis"
	"github.com/verdictlabs/verdict/model"
)

// The tallies cross the shuffle in a compact binary form: Beam's default
// coders would write them as JSON or rows of maps, several times larger.
func init() {
	beam.RegisterCoder(reflect.TypeOf((*analysis.Impact)(nil)), encodeImpact, decodeImpact)
	beam.RegisterCoder(reflect.TypeOf((*analysis.Observed)(nil)), encodeObserved, decodeObserved)
}

type encoder struct{ b []byte }

func (e *encoder) uint(v uint64)  { e.b = binary.AppendUvarint(e.b, v) }
func (e *encoder) int(v int64)    { e.b = binary.AppendVarint(e.b, v) }
func (e *encoder) str(s string)   { e.uint(uint64(len(s))); e.b = append(e.b, s...) }
func (e *encoder) bytes(b []byte) { e.uint(uint64(len(b))); e.b = append(e.b, b...) }
func (e *encoder) bool(v bool) {
	if v {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}
func (e *encoder) time(t time.Time) {
	if t.IsZero() {
		e.bytes(nil)
		return
	}
	b, _ := t.MarshalBinary() // fails only for offsets not in whole minutes
	e.bytes(b)
}
func (e *encoder) addr(a netip.Addr) {
	b, _ := a.MarshalBinary()
	e.bytes(b)
}

type decoder struct {
	b   []byte
	err error
}

var errShort = errors.New("truncated")

func (d *decoder) uint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errShort
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) int() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errShort
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) bytes() []byte {
	n := d.uint()
	if d.err != nil {
		return nil
	}
	if uint64(len(d.b)) < n {
		d.err = errShort
		return nil
	}
	b := d.b[:n:n]
	d.b = d.b[n:]
	return b
}

func (d *decoder) str() string { return string(d.bytes()) }

func (d *decoder) bool() bool {
	if d.err != nil {
		return false
	}
	if len(d.b) == 0 {
		d.err = errShort
		return false
	}
	v := d.b[0] != 0
	d.b = d.b[1:]
	return v
}

func (d *decoder) time() time.Time {
	b := d.bytes()
	var t time.Time
	if len(b) > 0 && d.err == nil {
		if err := t.UnmarshalBinary(b); err != nil {
			d.err = err
		}
	}
	return t
}

func (d *decoder) addr() netip.Addr {
	b := d.bytes()
	var a netip.Addr
	if d.err == nil {
		if err := a.UnmarshalBinary(b); err != nil {
			d.err = err
		}
	}
	return a
}

func (d *decoder) done(what string) error {
	if d.err == nil && len(d.b) > 0 {
		d.err = fmt.Errorf("%d bytes left over", len(d.b))
	}
	if d.err != nil {
		return fmt.Errorf("decoding %s: %w", what, d.err)
	}
	return nil
}

func encodeImpact(t *analysis.Impact) ([]byte, error) {
	var e encoder
	for _, v := range []uint64{t.Records, t.Flows, t.Unresolved, t.NewlyDenied, t.NewlyAllowed, t.ObservedMismatch} {
		e.uint(v)
	}
	e.uint(uint64(len(t.Changes)))
	for k, s := range t.Changes {
		e.str(k.Change)
		e.str(k.Source)
		e.str(k.Destination)
		e.uint(uint64(k.Protocol))
		e.uint(uint64(k.Port))
		e.str(string(k.Side))
		e.str(string(k.Hit.Kind))
		e.str(k.Hit.Tier)
		e.str(k.Hit.Namespace)
		e.str(k.Hit.Name)
		e.int(int64(k.Hit.Index))
		e.str(string(k.Hit.Action))
		e.bool(k.EndOfProfiles)
		e.uint(s.Records)
		e.uint(s.Connections)
		e.time(s.FirstSeen)
		e.time(s.LastSeen)
	}
	e.uint(uint64(len(t.UnresolvedPeers)))
	for p, n := range t.UnresolvedPeers {
		e.str(p)
		e.uint(n)
	}
	return e.b, nil
}

func decodeImpact(b []byte) (*analysis.Impact, error) {
	d := decoder{b: b}
	t := analysis.NewImpact()
	for _, v := range []*uint64{&t.Records, &t.Flows, &t.Unresolved, &t.NewlyDenied, &t.NewlyAllowed, &t.ObservedMismatch} {
		*v = d.uint()
	}
	for n := d.uint(); n > 0 && d.err == nil; n-- {
		var k analysis.ChangeKey
		k.Change = d.str()
		k.Source = d.str()
		k.Destination = d.str()
		k.Protocol = uint8(d.uint())
		k.Port = uint16(d.uint())
		k.Side = model.Direction(d.str())
		k.Hit.Kind = model.Kind(d.str())
		k.Hit.Tier = d.str()
		k.Hit.Namespace = d.str()
		k.Hit.Name = d.str()
		k.Hit.Index = int(d.int())
		k.Hit.Action = model.HitAction(d.str())
		k.EndOfProfiles = d.bool()
		var s analysis.ChangeStats
		s.Records = d.uint()
		s.Connections = d.uint()
		s.FirstSeen = d.time()
		s.LastSeen = d.time()
		t.Changes[k] = s
	}
	for n := d.uint(); n > 0 && d.err == nil; n-- {
		p := d.str()
		t.UnresolvedPeers[p] = d.uint()
	}
	return t, d.done("an impact tally")
}

func encodeObserved(o *analysis.Observed) ([]byte, error) {
	var e encoder
	e.uint(o.Records)
	e.uint(o.Used)
	e.uint(o.Unresolved)
	e.uint(uint64(len(o.Edges)))
	for edge := range o.Edges {
		e.str(edge.Group)
		e.str(string(edge.Direction))
		e.str(edge.Peer)
		e.addr(edge.Member)
		e.addr(edge.PeerAddr)
		e.uint(uint64(edge.Protocol))
		e.uint(uint64(edge.Port))
	}
	return e.b, nil
}

func decodeObserved(b []byte) (*analysis.Observed, error) {
	d := decoder{b: b}
	o := analysis.NewObserved()
	o.Records = d.uint()
	o.Used = d.uint()
	o.Unresolved = d.uint()
	for n := d.uint(); n > 0 && d.err == nil; n-- {
		var edge analysis.Edge
		edge.Group = d.str()
		edge.Direction = model.Direction(d.str())
		edge.Peer = d.str()
		edge.Member = d.addr()
		edge.PeerAddr = d.addr()
		edge.Protocol = uint8(d.uint())
		edge.Port = uint16(d.uint())
		o.Edges[edge] = true
	}
	return o, d.done("an observation")
}
