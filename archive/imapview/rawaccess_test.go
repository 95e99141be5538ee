package imapview

import (
	"context"
	"slices"
	"testing"

	"github.com/emersion/go-imap"

	"praxis/listserv/store"
)

// IMAP serves posts as they came, addresses and all: a public list whose
// owner keeps raw posts for members (list set --raw-access members) is
// not shown to anonymous sessions, and is to its members.
func TestRawAccessMembers(t *testing.T) {
	f := newFixture(t, 2)
	f.pub.RawAccess = store.RawMembers
	if err := f.st.UpdateList(context.Background(), f.pub); err != nil {
		t.Fatal(err)
	}
	mailboxes := func(user, pass string) []string {
		c := f.client(t, user, pass)
		ch := make(chan *imap.MailboxInfo, 10)
		if err := c.List("", "*", ch); err != nil {
			t.Fatal(err)
		}
		var names []string
		for mb := range ch {
			names = append(names, mb.Name)
		}
		if _, err := c.Select(f.pub.Address, true); (err == nil) != slices.Contains(names, f.pub.Address) {
			t.Errorf("%s: SELECT %s: %v, while LIST says %v", user, f.pub.Address, err, names)
		}
		return names
	}
	if got := mailboxes("anonymous", "x"); len(got) != 0 {
		t.Errorf("anonymous LIST = %v, want nothing", got)
	}
	if got := mailboxes("carol@example.net", "carol-pass"); !slices.Equal(got, []string{f.pub.Address}) {
		t.Errorf("a member's LIST = %v, want %s", got, f.pub.Address)
	}
	if got := mailboxes("bob@example.net", "bob-pass"); !slices.Equal(got, []string{f.prv.Address}) {
		t.Errorf("a member of another list: LIST = %v, want only %s", got, f.prv.Address)
	}
}
