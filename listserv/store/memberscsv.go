package store

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// A members file is CSV, one member a line: email,name,role,delivery
// (only email required; a first line naming the columns is skipped, and
// lines starting with # are comments). `praxis import members` and the
// owners' web page read it, and the web's export writes it, so that an
// export imports again.

// MembersCSVHeader is the members file's first line.
var MembersCSVHeader = []string{"email", "name", "role", "delivery"}

// MaxBadMemberLines is how many bad lines make a members file the wrong
// file: a few are typos, this many is a mbox, a spreadsheet's binary or
// the wrong columns, and nothing of it is taken.
const MaxBadMemberLines = 20

// MemberLine is a member read from a line of a members file.
type MemberLine struct {
	Line   int
	Member *Member
}

// LineError is a line of a members file that was refused, and why.
type LineError struct {
	Line int // 0: where in the file is not known
	Err  error
}

// ImportReport says what an import of members did.
type ImportReport struct {
	Added, Already int
	Refused        []LineError
}

// ErrNotMembersFile is the error of a file with MaxBadMemberLines bad
// lines: nothing of it is imported.
var ErrNotMembersFile = errors.New("it does not look like a members file; nothing was imported")

// ReadMembersCSV reads a members file, giving each member to check (which
// fills its defaults and applies the rules of joining the list). It
// returns the members that passed and the lines that did not; once
// MaxBadMemberLines lines are bad, it stops with ErrNotMembersFile.
func ReadMembersCSV(r io.Reader, check func(*Member) error) ([]MemberLine, []LineError, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.Comment = '#'
	var good []MemberLine
	var bad []LineError
	refuse := func(line int, err error) error {
		bad = append(bad, LineError{line, err})
		if len(bad) >= MaxBadMemberLines {
			return fmt.Errorf("%d bad lines by line %d: %w", len(bad), max(line, 1), ErrNotMembersFile)
		}
		return nil
	}
	for first := true; ; first = false {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return good, bad, nil
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line, err = pe.Line, pe.Err
			}
			if err := refuse(line, err); err != nil {
				return nil, bad, err
			}
			continue
		}
		field := func(i int) string {
			if i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if first && strings.EqualFold(field(0), "email") {
			continue
		}
		line, _ := cr.FieldPos(0)
		m := &Member{Address: field(0), Name: unguardCell(field(1)), Role: field(2), Delivery: field(3)}
		if err := check(m); err != nil {
			if err := refuse(line, err); err != nil {
				return nil, bad, err
			}
			continue
		}
		good = append(good, MemberLine{line, m})
	}
}

// WriteMembersCSV writes ms as a members file, header first.
func WriteMembersCSV(w io.Writer, ms []*Member) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(MembersCSVHeader); err != nil {
		return err
	}
	for _, m := range ms {
		if err := cw.Write([]string{m.Address, guardCell(m.Name), m.Role, m.Delivery}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// A name is anyone's text (a subscription form's), and a spreadsheet
// opening the export would take one starting with = + - @ (or a tab or
// CR before them) as a formula: written with a ' before it, which a
// spreadsheet shows as text and the import takes off again (OWASP's
// advice on CSV injection). Addresses need none: their rules keep them
// from being a formula that does anything.
const formulaStarts = "=+-@\t\r"

func guardCell(s string) string {
	if s != "" && strings.ContainsRune(formulaStarts, rune(s[0])) {
		return "'" + s
	}
	return s
}

func unguardCell(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.ContainsRune(formulaStarts, rune(s[1])) {
		return s[1:]
	}
	return s
}
