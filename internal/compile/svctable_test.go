package compile

import (
	"testing"

	"github.com/verdictlabs/verdict/model"
)

// TestServiceEdit: a rule names a service by an id it keeps while the
// service comes and goes.
func TestServiceEdit(t *testing.T) {
	k := model.Key{Kind: model.KindService, Namespace: "prod", Name: "front"}
	e := empty().serviceTable.edit()
	id := e.id(k)
	x1 := e.done()
	e = x1.edit()
	e.put(&model.Service{Name: "front", Namespace: "prod"})
	x2 := e.done()
	if x1.services.get(id) != nil || x2.services.get(id) == nil {
		t.Fatalf("service %d: before %v, after %v", id, x1.services.get(id), x2.services.get(id))
	}
	e = x2.edit()
	e.remove(k)
	if again := e.id(k); again != id {
		t.Errorf("the service's id changed from %d to %d", id, again)
	}
	if x3 := e.done(); x3.services.get(id) != nil || x2.services.get(id) == nil {
		t.Error("removing the service: wrong table changed")
	}
}
