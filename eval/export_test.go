package eval

// CheckInvariants checks the invariants of the program the engine
// answers from now, for the tests of package eval_test.
func CheckInvariants(e *Engine) error { return e.current.Load().prog.CheckInvariants() }

// WithoutMemo returns the engine's current snapshot with the memo turned
// off, so that every flow is walked, for the tests that compare the two.
func WithoutMemo(e *Engine) *Snapshot {
	return &Snapshot{prog: e.current.Load().prog.WithoutMemo()}
}
