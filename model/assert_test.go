package model

import (
	"cmp"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// The model's tests need only a handful of checks; these few lines keep
// the module free of an assertion library for them.

// message formats the optional explanation of a failed check.
func message(msg []any) string {
	if len(msg) == 0 {
		return ""
	}
	if format, ok := msg[0].(string); ok {
		return ": " + fmt.Sprintf(format, msg[1:]...)
	}
	return ": " + fmt.Sprint(msg...)
}

func mustEqual(t *testing.T, want, got any, msg ...any) {
	t.Helper()
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("not equal%s\nwant: %#v\n got: %#v", message(msg), want, got)
	}
}

func mustBeTrue(t *testing.T, ok bool, msg ...any) {
	t.Helper()
	if !ok {
		t.Fatalf("want true%s", message(msg))
	}
}

func mustBeFalse(t *testing.T, ok bool, msg ...any) {
	t.Helper()
	if ok {
		t.Fatalf("want false%s", message(msg))
	}
}

func mustSucceed(t *testing.T, err error, msg ...any) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error%s: %v", message(msg), err)
	}
}

func mustFailWith(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("want an error containing %q, got %v", want, err)
	}
}

func mustBeLess[T cmp.Ordered](t *testing.T, a, b T, msg ...any) {
	t.Helper()
	if !(a < b) {
		t.Fatalf("want %v < %v%s", a, b, message(msg))
	}
}

func mustHaveLen[T any](t *testing.T, s []T, n int, msg ...any) {
	t.Helper()
	if len(s) != n {
		t.Fatalf("want length %d, got %d%s", n, len(s), message(msg))
	}
}

func mustBeSame[T any](t *testing.T, want, got *T) {
	t.Helper()
	if want != got {
		t.Fatalf("want the same pointer %p, got %p", want, got)
	}
}
