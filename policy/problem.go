package policy

import "github.com/verdictlabs/verdict/policy/internal/resource"

// Severity tells problems, which make a load fail, from warnings, which do
// not.
type Severity = resource.Severity

// Severities.
const (
	SeverityError   = resource.SeverityError
	SeverityWarning = resource.SeverityWarning
)

// Problem is one thing wrong (or worth a warning) in the input, located as
// precisely as the input allows: file, document, resource and field path.
type Problem = resource.Problem

// Problems is every problem and warning of a load. As an error it reports
// the problems only.
type Problems = resource.Problems
