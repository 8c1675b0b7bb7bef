package compile

import "github.com/verdictlabs/verdict/model"

// serviceTable holds the services by id. Rules name services by id, so
// that a later definition or change is seen without recompiling them; a
// service named before it is defined has an id and no record.
type serviceTable struct {
	serviceIDs pmap[model.Key, uint32]
	services   pvec[*serviceRec] // nil: named by a rule but not defined
}

// serviceEdit is one batch of changes to a serviceTable.
type serviceEdit struct {
	ids  *pmapEdit[model.Key, uint32]
	recs *pvecEdit[*serviceRec]
}

func (x *serviceTable) edit() *serviceEdit {
	return &serviceEdit{ids: x.serviceIDs.edit(), recs: x.services.edit()}
}

// id returns the id of the service with key k, giving it one if it has
// none yet.
func (e *serviceEdit) id(k model.Key) uint32 {
	if id, ok := e.ids.get(k); ok {
		return id
	}
	id := e.recs.push(nil)
	e.ids.set(k, id)
	return id
}

func (e *serviceEdit) put(m *model.Service) { e.recs.set(e.id(m.Key()), newServiceRec(m)) }

// remove undefines the service with key k; rules naming it keep its id.
func (e *serviceEdit) remove(k model.Key) {
	if id, ok := e.ids.get(k); ok {
		e.recs.set(id, nil)
	}
}

func (e *serviceEdit) done() serviceTable {
	return serviceTable{serviceIDs: e.ids.done(), services: e.recs.done()}
}
