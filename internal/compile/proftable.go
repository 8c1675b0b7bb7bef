package compile

import "maps"

// profileTable holds the profiles by id. An endpoint names profiles by
// id, so a profile named before it is defined has an id and no record.
type profileTable struct {
	profileIDs pmap[string, uint32]
	profiles   pvec[*profileRec] // nil: named by an endpoint but not defined
}

// profileLabels returns the labels a profile applies, none when it does
// not exist.
func (x *profileTable) profileLabels(name string) map[string]string {
	id, ok := x.profileIDs.get(name)
	if !ok {
		return nil
	}
	if p := x.profiles.get(id); p != nil {
		return p.model.LabelsToApply
	}
	return nil
}

// profileEdit is one batch of changes to a profileTable.
type profileEdit struct {
	ids  *pmapEdit[string, uint32]
	recs *pvecEdit[*profileRec]
	// relabelled are profiles whose labels changed: entities inheriting
	// from them get new labels.
	relabelled map[uint32]bool
}

func (x *profileTable) edit() *profileEdit {
	return &profileEdit{ids: x.profileIDs.edit(), recs: x.profiles.edit(), relabelled: map[uint32]bool{}}
}

// id returns the id of the profile named name, giving it one if it has
// none yet.
func (e *profileEdit) id(name string) uint32 {
	if id, ok := e.ids.get(name); ok {
		return id
	}
	id := e.recs.push(nil)
	e.ids.set(name, id)
	return id
}

// lookup returns the profile named name, nil when it is not defined.
func (e *profileEdit) lookup(name string) (uint32, *profileRec) {
	id, ok := e.ids.get(name)
	if !ok {
		return 0, nil
	}
	return id, e.recs.get(id)
}

// put stores a compiled profile and returns the one it replaces.
func (e *profileEdit) put(rec *profileRec) (old *profileRec) {
	id := e.id(rec.model.Name)
	old = e.recs.get(id)
	if old == nil || !maps.Equal(old.model.LabelsToApply, rec.model.LabelsToApply) {
		e.relabelled[id] = true
	}
	e.recs.set(id, rec)
	return old
}

// drop removes profile id, which must exist, and returns it.
func (e *profileEdit) drop(id uint32) *profileRec {
	old := e.recs.get(id)
	if len(old.model.LabelsToApply) > 0 {
		e.relabelled[id] = true
	}
	e.recs.set(id, nil)
	return old
}

// profileLabels is profileTable.profileLabels on the edited table.
func (e *profileEdit) profileLabels(name string) map[string]string {
	if _, p := e.lookup(name); p != nil {
		return p.model.LabelsToApply
	}
	return nil
}

func (e *profileEdit) done() profileTable {
	return profileTable{profileIDs: e.ids.done(), profiles: e.recs.done()}
}
