package compile

// interner gives every label key and value a small integer id, so that
// label sets are slices of integer pairs and selector programs compare
// integers. It is persistent like the rest of a Program: a new snapshot
// interns new strings without disturbing readers of the old one. Ids are
// never reused, so an id seen in one snapshot means the same string in
// every later one.
type interner struct {
	ids  pmap[string, uint32]
	strs pvec[string]
}

// noID is the id of no string: id 0 is never given out, so a zero label or
// instruction never matches by accident.
const noID uint32 = 0

// unknownID stands for a value that was never interned. It is only found
// in the labels of endpoints given inline to one evaluation, and equals no
// value any selector names.
const unknownID uint32 = ^uint32(0)

func newInterner() interner {
	e := (&pvec[string]{}).edit()
	e.push("") // id 0, noID
	return interner{ids: newPmap[string, uint32](hashString), strs: e.done()}
}

// lookup returns the id of s, if it has one.
func (in *interner) lookup(s string) (uint32, bool) { return in.ids.get(s) }

// str returns the string with id.
func (in *interner) str(id uint32) string { return in.strs.get(id) }

// internEdit interns strings during one batch of changes.
type internEdit struct {
	ids  *pmapEdit[string, uint32]
	strs *pvecEdit[string]
}

func (in *interner) edit() *internEdit {
	return &internEdit{ids: in.ids.edit(), strs: in.strs.edit()}
}

func (e *internEdit) intern(s string) uint32 {
	if id, ok := e.ids.get(s); ok {
		return id
	}
	id := e.strs.push(s)
	e.ids.set(s, id)
	return id
}

func (e *internEdit) str(id uint32) string { return e.strs.get(id) }

// lookup returns the id of s if it has one, without interning it: safe
// beside other lookups while nothing is interned.
func (e *internEdit) lookup(s string) (uint32, bool) { return e.ids.get(s) }

func (e *internEdit) done() interner {
	return interner{ids: e.ids.done(), strs: e.strs.done()}
}
