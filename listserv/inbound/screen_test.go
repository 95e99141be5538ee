package inbound

import (
	"context"
	"errors"
	"net/netip"
	"sync"
	"testing"

	"praxis/listserv/spam"
	"praxis/listserv/store"
)

// fakeScreen answers every post with found and keeps what it was asked.
type fakeScreen struct {
	mu    sync.Mutex
	found *store.Spam
	asked []spam.Input
}

func (f *fakeScreen) Check(_ context.Context, in spam.Input) *store.Spam {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, in)
	return f.found
}

// TestReceiveScreens: a post is checked once before it is spooled; a list
// that refuses what was found refuses a non-member's post with the cause
// (ErrBlocklisted here) and keeps nothing; a member's post (by its From)
// is spooled with the findings for the checks to hold; mail to the
// robot is not screened; another list's settings count for its own route.
func TestReceiveScreens(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	refusing := store.NewList("cop@example.org", "CoP")
	holding := store.NewList("makers@example.org", "Makers")
	holding.BlocklistAction = store.SpamHold
	for _, l := range []*store.List{refusing, holding} {
		if err := st.CreateList(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.AddMember(ctx, &store.Member{ListID: refusing.ID, Address: "ann@example.net", Role: store.RoleMember, Delivery: store.DeliverEach, Status: store.StatusEnabled}); err != nil {
		t.Fatal(err)
	}
	screen := &fakeScreen{found: &store.Spam{Listed: []string{"bl.example (127.0.0.2)"}}}
	sp := New(st, nil, "")
	sp.Screen(screen)
	client := netip.MustParseAddr("192.0.2.66")
	env := Envelope{MailFrom: "eve@spam.example", Remote: "192.0.2.66:4000", Client: client, HELO: "spam.example"}
	post := Route{List: "cop@example.org", Kind: store.KindPost}

	err = sp.Receive(ctx, env, []Route{post}, []byte("From: eve@spam.example\r\nSubject: offer\r\n\r\ncheap\r\n"))
	if !errors.Is(err, ErrBlocklisted) || !errors.Is(err, ErrSpam) {
		t.Errorf("a blocklisted non-member: %v, want ErrBlocklisted", err)
	}
	if n, err := st.CountMessages(ctx, "", ""); err != nil || n != 0 {
		t.Errorf("%d messages kept after a refusal (%v)", n, err)
	}
	if len(screen.asked) != 1 || screen.asked[0].IP != client || screen.asked[0].HELO != "spam.example" || screen.asked[0].MailFrom != "eve@spam.example" {
		t.Errorf("the checks were asked %+v", screen.asked)
	}

	// A member's post, and one to a list that holds: spooled with the findings.
	for _, tc := range []struct{ from, list string }{{"ann@example.net", "cop@example.org"}, {"eve@spam.example", "makers@example.org"}} {
		raw := []byte("From: " + tc.from + "\r\nSubject: hi\r\n\r\ntext\r\n")
		if err := sp.Receive(ctx, env, []Route{{List: tc.list, Kind: store.KindPost}}, raw); err != nil {
			t.Fatalf("%s to %s: %v", tc.from, tc.list, err)
		}
		m, err := st.LatestMessage(ctx, store.KindPost, tc.list)
		if err != nil || m.Spam == nil || len(m.Spam.Listed) != 1 {
			t.Errorf("%s to %s: spooled %+v (%v), want the findings kept", tc.from, tc.list, m, err)
		}
	}
	// A member's post without From is theirs by its Sender, as the checks
	// read it: held at worst, never refused.
	if err := sp.Receive(ctx, env, []Route{post}, []byte("Sender: ann@example.net\r\nSubject: no from\r\n\r\ntext\r\n")); err != nil {
		t.Errorf("a member's post without From: %v, want it spooled", err)
	}
	// The robot's mail is not a post: not screened, not refused.
	screen.asked = nil
	if err := sp.Receive(ctx, env, []Route{{List: "cop@example.org", Kind: store.KindRequest}}, []byte("From: eve@spam.example\r\nSubject: help\r\n\r\n")); err != nil || len(screen.asked) != 0 {
		t.Errorf("mail to -request: %v, screened %d times", err, len(screen.asked))
	}
}
