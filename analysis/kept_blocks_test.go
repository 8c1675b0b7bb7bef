package analysis

import "testing"

// TestInChunks: however Kept's rows are cut into blocks (merged parts
// leave some short or empty), the workers' shares visit each row once.
func TestInChunks(t *testing.T) {
	for _, sizes := range [][]int{nil, {0}, {1}, {5, 0, 3}, {keptBlock, 7, keptBlock / 2, 1}, {2, 2, 2, 2, 2}} {
		for _, workers := range []int{1, 2, 3, 7} {
			var blocks [][]keptRow
			n := 0
			for _, size := range sizes {
				block := make([]keptRow, size)
				for i := range block {
					block[i].c.count = uint64(n)
					n++
				}
				blocks = append(blocks, block)
			}
			parts := inChunks(blocks, n, workers, func() map[uint64]int { return map[uint64]int{} }, func(seen map[uint64]int, row *keptRow) { seen[row.c.count]++ })
			seen := map[uint64]int{}
			for _, p := range parts {
				for id, times := range p {
					seen[id] += times
				}
			}
			for id := range n {
				if seen[uint64(id)] != 1 {
					t.Fatalf("blocks %v, %d workers: row %d visited %d times", sizes, workers, id, seen[uint64(id)])
				}
			}
			if len(seen) != n {
				t.Fatalf("blocks %v, %d workers: %d rows visited of %d", sizes, workers, len(seen), n)
			}
		}
	}
}

// TestKeptMergeBlocks: merging parts large and small keeps every row,
// with its change read back through the merged table of changes.
func TestKeptMergeBlocks(t *testing.T) {
	k := NewKept()
	want := 0
	for _, size := range []int{3, keptBlock, keptBlock/2 + 1, 10, 2 * keptBlock} {
		part := NewKept()
		// Each part interns its changes in another order.
		sd := []sideDecision{{side: "egress"}, {side: "ingress"}}
		if size%2 == 1 {
			sd[0], sd[1] = sd[1], sd[0]
		}
		for i := range size {
			row := keptRow{}
			row.c.count = uint64(want)
			row.c.port = uint16(len(sd[i%2].side)) // says which side, to check after
			row.change = part.intern(sd[i%2])
			part.push(row)
			want++
		}
		k.Merge(part)
		if part.Records() != 0 {
			t.Fatalf("a merged part still holds %d records", part.Records())
		}
	}
	if got := k.Records(); got != uint64(want) {
		t.Fatalf("%d records, want %d", got, want)
	}
	seen := map[uint64]bool{}
	for _, block := range k.rows {
		for _, row := range block {
			seen[row.c.count] = true
			if row.change == 0 || row.change > uint32(len(k.changes)) {
				t.Fatalf("row %d: change %d of %d", row.c.count, row.change, len(k.changes))
			}
			if side := k.changes[row.change-1].side; len(side) != int(row.c.port) {
				t.Fatalf("row %d: change on the %s side after merging", row.c.count, side)
			}
		}
	}
	if len(seen) != want || len(k.changes) != 2 {
		t.Fatalf("%d distinct rows of %d, %d changes", len(seen), want, len(k.changes))
	}
}
