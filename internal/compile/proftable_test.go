package compile

import "testing"

// TestProfileEdit: a profile keeps its id from being named to being
// defined, and entities are relabelled only when its labels change.
func TestProfileEdit(t *testing.T) {
	e := empty().profileTable.edit()
	named := e.id("kns.prod")
	if _, rec := e.lookup("kns.prod"); rec != nil {
		t.Fatal("a profile only named has a record")
	}
	e.put(&profileRec{model: nsProfile("prod", "x")})
	if id, rec := e.lookup("kns.prod"); id != named || rec == nil || !e.relabelled[named] {
		t.Fatalf("defined: id %d (named %d), record %v, relabelled %v", id, named, rec, e.relabelled[named])
	}
	x1 := e.done()

	e = x1.edit()
	e.put(&profileRec{model: nsProfile("prod", "x")})
	if e.relabelled[named] {
		t.Error("the same labels again relabel the profile's entities")
	}
	e.put(&profileRec{model: nsProfile("prod", "y")})
	if !e.relabelled[named] {
		t.Error("new labels do not relabel the profile's entities")
	}
	e.drop(named)
	x2 := e.done()
	if x2.profileLabels("kns.prod") != nil || x1.profileLabels("kns.prod")["pcns.team"] != "x" {
		t.Errorf("labels after the drop %v, before %v", x2.profileLabels("kns.prod"), x1.profileLabels("kns.prod"))
	}
}
