package policy

import "github.com/verdictlabs/verdict/policy/internal/resource"

// report collects the problems of one Calico resource; the checks of
// Calico's validator are its methods.
type report struct{ resource.Report }
