package analysis

import (
	"cmp"
	"slices"
)

// CellChange is one cell whose verdict a change moved.
type CellChange struct {
	Source      string `json:"source"`
	Destination string `json:"destination"`
	Port        string `json:"port"` // as Port.String gives it: tcp/5432, icmp
	Before      Access `json:"before"`
	After       Access `json:"after"`
}

// MatrixDiff is what a change does to who can reach whom.
type MatrixDiff struct {
	// Removed are cells that lost access: allow to deny or partial,
	// partial to deny. Added are the reverse.
	Removed []CellChange `json:"removed"`
	Added   []CellChange `json:"added"`
	// OnlyBefore and OnlyAfter name the groups found on one side only;
	// their cells are not compared.
	OnlyBefore []string `json:"onlyBefore"`
	OnlyAfter  []string `json:"onlyAfter"`
}

// DiffMatrices compares two matrices cell by cell, groups matched by
// name and ports by Port.String.
func DiffMatrices(before, after *Matrix) *MatrixDiff {
	d := &MatrixDiff{Removed: []CellChange{}, Added: []CellChange{}, OnlyBefore: []string{}, OnlyAfter: []string{}}
	names := func(m *Matrix) map[string]bool {
		out := map[string]bool{}
		for _, g := range m.Sources {
			out[g.Name] = true
		}
		for _, g := range m.Destinations {
			out[g.Name] = true
		}
		return out
	}
	bn, an := names(before), names(after)
	for n := range bn {
		if !an[n] {
			d.OnlyBefore = append(d.OnlyBefore, n)
		}
	}
	for n := range an {
		if !bn[n] {
			d.OnlyAfter = append(d.OnlyAfter, n)
		}
	}
	slices.Sort(d.OnlyBefore)
	slices.Sort(d.OnlyAfter)

	if sameAxes(before, after) {
		// Cells of both are in one order (source, destination, port
		// index): walk them together, no names looked up.
		j := 0
		for _, c := range after.Cells {
			for j < len(before.Cells) && cellBefore(&before.Cells[j], &c) {
				j++
			}
			if j == len(before.Cells) {
				break
			}
			b := &before.Cells[j]
			if b.Source != c.Source || b.Destination != c.Destination || b.Port != c.Port || b.Verdict == c.Verdict {
				continue
			}
			ch := CellChange{Source: after.Sources[c.Source].Name, Destination: after.Destinations[c.Destination].Name, Port: after.Ports[c.Port].String(), Before: b.Verdict, After: c.Verdict}
			if rank(c.Verdict) < rank(b.Verdict) {
				d.Removed = append(d.Removed, ch)
			} else {
				d.Added = append(d.Added, ch)
			}
		}
		sortChanges(d)
		return d
	}

	diffByName(before, after, d)
	sortChanges(d)
	return d
}

// diffByName adds the cells whose verdicts differ, matched by the names
// of their groups and ports.
func diffByName(before, after *Matrix, d *MatrixDiff) {
	type cellKey struct{ src, dst, port string }
	was := make(map[cellKey]Access, len(before.Cells))
	for _, c := range before.Cells {
		was[cellKey{before.Sources[c.Source].Name, before.Destinations[c.Destination].Name, before.Ports[c.Port].String()}] = c.Verdict
	}
	for _, c := range after.Cells {
		k := cellKey{after.Sources[c.Source].Name, after.Destinations[c.Destination].Name, after.Ports[c.Port].String()}
		old, ok := was[k]
		if !ok || old == c.Verdict {
			continue
		}
		ch := CellChange{Source: k.src, Destination: k.dst, Port: k.port, Before: old, After: c.Verdict}
		if rank(c.Verdict) < rank(old) {
			d.Removed = append(d.Removed, ch)
		} else {
			d.Added = append(d.Added, ch)
		}
	}
}

func sortChanges(d *MatrixDiff) {
	order := func(a, b CellChange) int {
		return cmp.Or(cmp.Compare(a.Source, b.Source), cmp.Compare(a.Destination, b.Destination), cmp.Compare(a.Port, b.Port))
	}
	slices.SortFunc(d.Removed, order)
	slices.SortFunc(d.Added, order)
}

// cellBefore reports whether a comes before b in a matrix's order.
func cellBefore(a, b *Cell) bool {
	return cmp.Or(cmp.Compare(a.Source, b.Source), cmp.Compare(a.Destination, b.Destination), cmp.Compare(a.Port, b.Port)) < 0
}

// sameAxes reports whether two matrices have the same sources,
// destinations and ports in the same order, each named once, so that
// their cells can be matched by index as DiffMatrices matches them by
// name.
func sameAxes(a, b *Matrix) bool {
	sameNames := func(x, y []ClassGroup) bool {
		if len(x) != len(y) {
			return false
		}
		seen := make(map[string]bool, len(x))
		for i := range x {
			if x[i].Name != y[i].Name || seen[x[i].Name] {
				return false
			}
			seen[x[i].Name] = true
		}
		return true
	}
	if !sameNames(a.Sources, b.Sources) || !sameNames(a.Destinations, b.Destinations) || len(a.Ports) != len(b.Ports) {
		return false
	}
	seen := make(map[string]bool, len(a.Ports))
	for i := range a.Ports {
		s := a.Ports[i].String()
		if s != b.Ports[i].String() || seen[s] {
			return false
		}
		seen[s] = true
	}
	return true
}

// rank orders accesses from least to most.
func rank(a Access) int {
	switch a {
	case AccessAllow:
		return 2
	case AccessPartial:
		return 1
	}
	return 0
}
