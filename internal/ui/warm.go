package ui

// warm makes, right after New, what the first request of a page would
// otherwise wait for: the board's index, what every matrix shares (the
// graph without flows and each what-if start from it) and, with flows,
// the staged impact filed per policy and the reference evaluator whose
// walk explain shows (each about a second of CPU on 100,000 endpoints and
// 1,000,000 records). The server answers meanwhile; a request that comes first
// makes what it needs itself, once (sync.Once), and the other waits.
func (s *Server) warm() {
	defer close(s.warmed)
	s.index()
	s.matrixBase()
	if s.impact != nil {
		s.filedImpact()
	}
	if len(s.records) > 0 {
		s.reference()
	}
}
