package store

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// An export imports again as it was, and a name that a spreadsheet would
// take for a formula is written so that it cannot run, and read back
// whole.
func TestMembersCSVRoundTrip(t *testing.T) {
	ms := []*Member{
		{Address: "ann@example.net", Name: "Ann, the Maker", Role: RoleOwner, Delivery: DeliverEach},
		{Address: "eve@example.net", Name: `=HYPERLINK("http://evil.example","x")`, Role: RoleMember, Delivery: DeliverDigest},
		{Address: "-bob@example.net", Name: "@bob", Role: RoleModerator, Delivery: DeliverNomail},
		{Address: "carol@example.net", Name: "'quoted", Role: RoleMember, Delivery: DeliverEach},
	}
	var buf bytes.Buffer
	if err := WriteMembersCSV(&buf, ms); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(buf.String(), "\n") {
		if _, name, _ := strings.Cut(line, ","); strings.HasPrefix(strings.TrimLeft(name, `"`), "=") || strings.HasPrefix(name, "@") {
			t.Errorf("a formula in the export: %q", line)
		}
	}
	got, bad, err := ReadMembersCSV(&buf, func(*Member) error { return nil })
	if err != nil || len(bad) != 0 {
		t.Fatalf("reading the export: %v %v", err, bad)
	}
	if len(got) != len(ms) {
		t.Fatalf("%d members read back, want %d", len(got), len(ms))
	}
	for i, g := range got {
		w := ms[i]
		if g.Member.Address != w.Address || g.Member.Name != w.Name || g.Member.Role != w.Role || g.Member.Delivery != w.Delivery {
			t.Errorf("line %d read back as %+v, want %+v", g.Line, g.Member, w)
		}
	}
}

// A file of MaxBadMemberLines bad lines is the wrong file.
func TestMembersCSVWrongFile(t *testing.T) {
	text := strings.Repeat("From someone Mon Jan  4 10:00:00 2021\n", MaxBadMemberLines+5)
	good, bad, err := ReadMembersCSV(strings.NewReader(text), func(m *Member) error {
		_, err := ParseAddress(m.Address)
		return err
	})
	if !errors.Is(err, ErrNotMembersFile) || len(good) != 0 || len(bad) != MaxBadMemberLines {
		t.Errorf("an mbox: %d good, %d bad, %v", len(good), len(bad), err)
	}
}
