package main

import (
	"errors"
	"fmt"

	"praxis/listserv"
)

// The core says what went wrong; the CLI adds which command helps next.
// An error of a kind in hints gets its hint wherever it came from; a
// command that knows more (the address in question) wraps the error with
// advise itself.
var hints = []struct {
	kind error
	next string
}{
	{listserv.ErrNoList, "see `praxis list ls`"},
}

// advised is an error with what to do next.
type advised struct {
	err  error
	next string
}

func (a *advised) Error() string { return a.err.Error() }
func (a *advised) Unwrap() error { return a.err }

// advise adds to err what to do next; a nil err stays nil.
func advise(err error, format string, a ...any) error {
	if err == nil {
		return nil
	}
	return &advised{err: err, next: fmt.Sprintf(format, a...)}
}

// advice is the hint printed after an error's message: " (see …)", or
// nothing.
func advice(err error) string {
	var a *advised
	if errors.As(err, &a) {
		return " (" + a.next + ")"
	}
	for _, h := range hints {
		if errors.Is(err, h.kind) {
			return " (" + h.next + ")"
		}
	}
	return ""
}
