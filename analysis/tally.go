package analysis

import (
	"cmp"
	"maps"
	"slices"
	"time"

	"github.com/verdictlabs/verdict/model"
)

// Change kinds of an impact.
const (
	NewlyDenied  = "newlyDenied"
	NewlyAllowed = "newlyAllowed"
)

// Impact is the tally of a replay. Tallies of parts of the records merge
// into the tally of all of them, in any grouping and order.
type Impact struct {
	// Records counts the records read; the other counts are of flows
	// (a record's count), a flow logged by both its reporters counted
	// once.
	Records    uint64
	Flows      uint64
	Unresolved uint64
	// NewlyDenied and NewlyAllowed count flows whose verdict changes.
	NewlyDenied  uint64
	NewlyAllowed uint64
	// ObservedMismatch counts flows whose logged action differs from the
	// enforced verdict at the reporting side.
	ObservedMismatch uint64
	Changes          map[ChangeKey]ChangeStats
	// UnresolvedPeers counts flows per peer that could not be resolved.
	UnresolvedPeers map[string]uint64
}

// ChangeKey is what changes are grouped by.
type ChangeKey struct {
	Change      string // NewlyDenied or NewlyAllowed
	Source      string // group names
	Destination string
	Protocol    uint8
	Port        uint16
	// Side is where the verdict after the change is decided: the first
	// side that denies, for a flow newly denied; the side that denied
	// before, for one newly allowed.
	Side model.Direction
	// Hit decides on that side after the change; zero with EndOfProfiles.
	Hit           model.Hit
	EndOfProfiles bool
}

// ChangeStats counts one kind of change.
type ChangeStats struct {
	Records     uint64
	Connections uint64
	FirstSeen   time.Time
	LastSeen    time.Time
}

// NewImpact returns an empty tally.
func NewImpact() *Impact {
	return &Impact{Changes: map[ChangeKey]ChangeStats{}, UnresolvedPeers: map[string]uint64{}}
}

// add counts one change.
func (t *Impact) add(k ChangeKey, count uint64, first, last time.Time) {
	s := t.Changes[k]
	s.merge(ChangeStats{Records: 1, Connections: count, FirstSeen: first, LastSeen: last})
	t.Changes[k] = s
}

func (s *ChangeStats) merge(o ChangeStats) {
	s.Records += o.Records
	s.Connections += o.Connections
	if !o.FirstSeen.IsZero() && (s.FirstSeen.IsZero() || o.FirstSeen.Before(s.FirstSeen)) {
		s.FirstSeen = o.FirstSeen
	}
	if o.LastSeen.After(s.LastSeen) {
		s.LastSeen = o.LastSeen
	}
}

// Merge adds o's counts into t. It is associative and commutative, and
// an empty tally is its identity, so tallies of parts may be merged in
// any order.
func (t *Impact) Merge(o *Impact) {
	t.Records += o.Records
	t.Flows += o.Flows
	t.Unresolved += o.Unresolved
	t.NewlyDenied += o.NewlyDenied
	t.NewlyAllowed += o.NewlyAllowed
	t.ObservedMismatch += o.ObservedMismatch
	if t.Changes == nil {
		t.Changes = map[ChangeKey]ChangeStats{}
	}
	for k, s := range o.Changes {
		cur := t.Changes[k]
		cur.merge(s)
		t.Changes[k] = cur
	}
	if t.UnresolvedPeers == nil {
		t.UnresolvedPeers = map[string]uint64{}
	}
	for k, n := range o.UnresolvedPeers {
		t.UnresolvedPeers[k] += n
	}
}

// Clone returns a copy sharing nothing with t.
func (t *Impact) Clone() *Impact {
	c := *t
	c.Changes = maps.Clone(t.Changes)
	c.UnresolvedPeers = maps.Clone(t.UnresolvedPeers)
	return &c
}

// ImpactReport is an impact ready to print.
type ImpactReport struct {
	Mode       string           `json:"mode"`
	Summary    Summary          `json:"summary"`
	Changes    []Change         `json:"changes"`
	Unresolved []UnresolvedPeer `json:"unresolvedPeers,omitempty"`
}

// Summary is the counts of an impact.
type Summary struct {
	Records          uint64 `json:"records"`
	Flows            uint64 `json:"flows"`
	Unresolved       uint64 `json:"unresolved"`
	NewlyDenied      uint64 `json:"newlyDenied"`
	NewlyAllowed     uint64 `json:"newlyAllowed"`
	ObservedMismatch uint64 `json:"observedMismatch"`
}

// Change is one row of changes.
type Change struct {
	Change        string     `json:"change"`
	Source        string     `json:"source"`
	Destination   string     `json:"destination"`
	Protocol      string     `json:"protocol"`
	Port          uint16     `json:"port,omitempty"`
	Records       uint64     `json:"records"`
	Connections   uint64     `json:"connections"`
	FirstSeen     *time.Time `json:"firstSeen,omitempty"`
	LastSeen      *time.Time `json:"lastSeen,omitempty"`
	Side          string     `json:"side"`
	Hit           *model.Hit `json:"hit,omitempty"`
	EndOfProfiles bool       `json:"endOfProfiles,omitempty"`
}

// UnresolvedPeer is a logged peer that named nothing, and its flows.
type UnresolvedPeer struct {
	Peer  string `json:"peer"`
	Flows uint64 `json:"flows"`
}

// OtherGroup names the groups beyond the most active maxGroups.
const OtherGroup = "other"

// Report orders the tally for printing. At most maxGroups groups (by
// connections in changes, then name) keep their names; the rest are
// counted as "other". maxGroups 0 keeps them all.
func (t *Impact) Report(mode string, maxGroups int) ImpactReport {
	r := ImpactReport{Mode: mode, Summary: Summary{
		Records: t.Records, Flows: t.Flows, Unresolved: t.Unresolved,
		NewlyDenied: t.NewlyDenied, NewlyAllowed: t.NewlyAllowed, ObservedMismatch: t.ObservedMismatch,
	}, Changes: []Change{}}
	keep := keptGroups(t.Changes, maxGroups)
	folded := map[ChangeKey]ChangeStats{}
	for k, s := range t.Changes {
		if !keep[k.Source] {
			k.Source = OtherGroup
		}
		if !keep[k.Destination] {
			k.Destination = OtherGroup
		}
		cur := folded[k]
		cur.merge(s)
		folded[k] = cur
	}
	for k, s := range folded {
		c := Change{
			Change: k.Change, Source: k.Source, Destination: k.Destination,
			Protocol: model.ProtocolName(k.Protocol), Port: k.Port,
			Records: s.Records, Connections: s.Connections,
			Side: string(k.Side), EndOfProfiles: k.EndOfProfiles,
		}
		if !s.FirstSeen.IsZero() {
			first, last := s.FirstSeen, s.LastSeen
			c.FirstSeen, c.LastSeen = &first, &last
		}
		if !k.EndOfProfiles {
			h := k.Hit
			c.Hit = &h
		}
		r.Changes = append(r.Changes, c)
	}
	slices.SortFunc(r.Changes, compareChanges)
	for p, n := range t.UnresolvedPeers {
		r.Unresolved = append(r.Unresolved, UnresolvedPeer{Peer: p, Flows: n})
	}
	slices.SortFunc(r.Unresolved, func(a, b UnresolvedPeer) int {
		return cmp.Or(cmp.Compare(b.Flows, a.Flows), cmp.Compare(a.Peer, b.Peer))
	})
	return r
}

func compareChanges(a, b Change) int {
	return cmp.Or(
		cmp.Compare(b.Change, a.Change), // newlyDenied before newlyAllowed
		cmp.Compare(b.Connections, a.Connections),
		cmp.Compare(a.Source, b.Source),
		cmp.Compare(a.Destination, b.Destination),
		cmp.Compare(a.Protocol, b.Protocol),
		cmp.Compare(a.Port, b.Port),
		cmp.Compare(a.Side, b.Side),
		cmp.Compare(hitText(a.Hit), hitText(b.Hit)),
	)
}

func hitText(h *model.Hit) string {
	if h == nil {
		return ""
	}
	return string(h.Kind) + "/" + h.Tier + "/" + h.Namespace + "/" + h.Name + "/" + string(rune(h.Index+1)) + string(h.Action)
}

// keptGroups returns the maxGroups groups with the most connections.
func keptGroups(changes map[ChangeKey]ChangeStats, maxGroups int) map[string]bool {
	conns := map[string]uint64{}
	for k, s := range changes {
		conns[k.Source] += s.Connections
		conns[k.Destination] += s.Connections
	}
	names := slices.Collect(maps.Keys(conns))
	slices.SortFunc(names, func(a, b string) int { return cmp.Or(cmp.Compare(conns[b], conns[a]), cmp.Compare(a, b)) })
	if maxGroups > 0 && len(names) > maxGroups {
		names = names[:maxGroups]
	}
	keep := make(map[string]bool, len(names))
	for _, n := range names {
		keep[n] = true
	}
	return keep
}
