package selectorio

import (
	"fmt"
	"strings"

	"github.com/verdictlabs/verdict/selector"
)

// LabelError says that a label argument is not of the form key=value
// with a key.
type LabelError struct {
	Arg string
}

func (e *LabelError) Error() string {
	return fmt.Sprintf("label %q is not of the form key=value", e.Arg)
}

// ParseLabels reads key=value arguments into labels: the value is all
// after the first "=", and a key given twice takes its last value. An
// argument without "=" or with an
// empty key is a *LabelError.
func ParseLabels(args []string) (selector.Map, error) {
	labels := make(selector.Map, len(args))
	for _, arg := range args {
		key, value, ok := strings.Cut(arg, "=")
		if !ok || key == "" {
			return nil, &LabelError{Arg: arg}
		}
		labels[key] = value
	}
	return labels, nil
}
