package eval

// CheckInvariants checks the invariants of the program the engine
// answers from now, for the tests of package eval_test.
func CheckInvariants(e *Engine) error { return e.current.Load().prog.CheckInvariants() }
