package query

import "fmt"

// Error is why Parse refused a query. Msg is written for the person who
// typed the query, and Offset is the byte offset in it of the text the
// message is about, so the search page can point at it.
type Error struct {
	Offset int
	Msg    string
}

func (e *Error) Error() string {
	return fmt.Sprintf("query: %s (at byte %d)", e.Msg, e.Offset)
}

func errorf(offset int, format string, args ...any) *Error {
	return &Error{Offset: offset, Msg: fmt.Sprintf(format, args...)}
}
