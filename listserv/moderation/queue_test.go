package moderation

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"praxis/listserv/check"
	"praxis/listserv/notice"
	"praxis/listserv/store"
	"praxis/templates"
)

// memStore is the held queue's store in memory: messages with a state
// machine, pending requests, and the notices spooled.
type memStore struct {
	mu       sync.Mutex
	list     *store.List
	members  []*store.Member
	msgs     map[int64]*store.Message
	pending  []*store.Pending
	notices  []*store.Message
	noticeTo [][]string
	claims   map[store.JobClaim]bool
}

func (m *memStore) ListByID(_ context.Context, id int64) (*store.List, error) {
	if id != m.list.ID {
		return nil, store.ErrNotFound
	}
	return m.list, nil
}

func (m *memStore) Message(_ context.Context, id int64) (*store.Message, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if msg, ok := m.msgs[id]; ok {
		c := *msg
		return &c, nil
	}
	return nil, store.ErrNotFound
}

func (m *memStore) ListMessages(_ context.Context, listID int64, state string) ([]*store.Message, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*store.Message
	for _, msg := range m.msgs {
		if msg.ListID == listID && msg.State == state {
			out = append(out, msg)
		}
	}
	return out, nil
}

func (m *memStore) Transition(_ context.Context, id int64, from, to, reason, _ string, _ []*store.Delivery) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	msg, ok := m.msgs[id]
	if !ok || msg.State != from {
		return store.ErrState
	}
	msg.State, msg.Reason = to, reason
	return nil
}

func (m *memStore) AddPending(_ context.Context, p *store.Pending) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	p.ID = int64(len(m.pending) + 1)
	m.pending = append(m.pending, p)
	return nil
}

func (m *memStore) ExpiredPending(_ context.Context, kind string, _ int) ([]*store.Pending, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*store.Pending
	for _, p := range m.pending {
		if p.Kind == kind && p.ExpiresAt.Before(time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)) {
			out = append(out, p)
		}
	}
	return out, nil
}

func (m *memStore) TakePending(_ context.Context, id int64) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, p := range m.pending {
		if p.ID == id {
			m.pending = append(m.pending[:i], m.pending[i+1:]...)
			return true, nil
		}
	}
	return false, nil
}

func (m *memStore) SpoolNotice(_ context.Context, msg *store.Message, ds []*store.Delivery, requests ...*store.Pending) error {
	m.mu.Lock()
	m.notices = append(m.notices, msg)
	var to []string
	for _, d := range ds {
		to = append(to, d.Rcpt)
	}
	m.noticeTo = append(m.noticeTo, to)
	m.mu.Unlock()
	for _, p := range requests {
		if err := m.AddPending(context.Background(), p); err != nil {
			return err
		}
	}
	return nil
}

func (m *memStore) SpoolNoticeOnce(ctx context.Context, c store.JobClaim, msg *store.Message, ds []*store.Delivery, requests ...*store.Pending) (bool, error) {
	m.mu.Lock()
	if m.claims[c] {
		m.mu.Unlock()
		return false, nil
	}
	if m.claims == nil {
		m.claims = map[store.JobClaim]bool{}
	}
	m.claims[c] = true
	m.mu.Unlock()
	return true, m.SpoolNotice(ctx, msg, ds, requests...)
}

func (m *memStore) Members(context.Context, int64) ([]*store.Member, error) { return m.members, nil }

func (m *memStore) MembersWithRole(_ context.Context, _ int64, role string) ([]*store.Member, error) {
	var out []*store.Member
	for _, mm := range m.members {
		if mm.Role == role {
			out = append(out, mm)
		}
	}
	return out, nil
}

func newQueue(t *testing.T) (*Queue, *memStore, *[]string) {
	t.Helper()
	now := func() time.Time { return time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC) }
	st := &memStore{
		list:    &store.List{ID: 1, Address: "cop@example.org", Name: "CoP", HoldDays: 3},
		members: []*store.Member{{Address: "mod@example.org", Role: store.RoleModerator}, {Address: "ann@example.net", Role: store.RoleMember}},
		msgs:    map[int64]*store.Message{},
	}
	accepted := &[]string{}
	q := New(Deps{
		Store:   st,
		Notices: notice.New(st, templates.MustParse(), "https://lists.example.org", "lists.example.org", now, nil),
		List: func(_ context.Context, addr string) (*store.List, error) {
			if addr != st.list.Address {
				return nil, store.ErrNotFound
			}
			return st.list, nil
		},
		Accept: func(ctx context.Context, l *store.List, m *store.Message, from, reason string) error {
			if err := st.Transition(ctx, m.ID, from, store.StateAccepted, reason, "", nil); err != nil {
				return err
			}
			*accepted = append(*accepted, reason)
			return nil
		},
		AllowReply: func(context.Context, string) (bool, error) { return true, nil },
		Log:        slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now:        now,
	})
	return q, st, accepted
}

func hold(t *testing.T, q *Queue, st *memStore, id int64, from string) {
	t.Helper()
	m := &store.Message{ID: id, ListID: 1, Kind: store.KindPost, State: store.StateHeld, FromAddr: from, Subject: "Cheap antennas",
		Raw: []byte("From: " + from + "\r\nSubject: Cheap antennas\r\n\r\nBuy now.\r\n")}
	st.msgs[id] = m
	d := check.Decision{State: store.StateHeld, Reason: "post from non-member " + from, Author: from}
	if err := q.Notify(context.Background(), st.list, m, m.Subject, d); err != nil {
		t.Fatal(err)
	}
}

func TestNotifyTellsModeratorsWithTheRequest(t *testing.T) {
	q, st, _ := newQueue(t)
	hold(t, q, st, 7, "eve@example.com")
	if len(st.notices) != 1 || len(st.pending) != 1 {
		t.Fatalf("%d notices and %d requests, want 1 and 1", len(st.notices), len(st.pending))
	}
	if to := st.noticeTo[0]; len(to) != 1 || to[0] != "mod@example.org" {
		t.Errorf("notice to %v, want the moderator only", to)
	}
	p := st.pending[0]
	if p.Kind != store.PendingHeld || p.Data != "7" || !p.ExpiresAt.Equal(time.Date(2026, 3, 5, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("request %+v", p)
	}
	if raw := string(st.notices[0].Raw); !strings.Contains(raw, "cop-confirm+"+p.Token+"@example.org") || !strings.Contains(raw, "message/rfc822") {
		t.Errorf("the notice lacks its token or the post:\n%s", raw)
	}
}

func TestDecisionsAreMadeOnce(t *testing.T) {
	ctx := context.Background()
	q, st, accepted := newQueue(t)
	hold(t, q, st, 1, "eve@example.com")
	hold(t, q, st, 2, "eve@example.com")
	hold(t, q, st, 3, "")
	if err := q.Approve(ctx, "cop@example.org", 1); err != nil {
		t.Fatal(err)
	}
	if err := q.Approve(ctx, "cop@example.org", 1); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("approving twice: %v, want ErrInvalid", err)
	}
	if err := q.Discard(ctx, "cop@example.org", 1); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("discarding an approved post: %v, want ErrInvalid", err)
	}
	if len(*accepted) != 1 || (*accepted)[0] != "approved" {
		t.Errorf("accepted %v, want one approval", *accepted)
	}
	before := len(st.notices)
	if err := q.Reject(ctx, "cop@example.org", 2, "off topic"); err != nil {
		t.Fatal(err)
	}
	if len(st.notices) != before+1 || !strings.Contains(string(st.notices[before].Raw), "off topic") || st.noticeTo[before][0] != "eve@example.com" {
		t.Errorf("the author was not told the reason")
	}
	if err := q.Reject(ctx, "cop@example.org", 3, "no"); err != nil || len(st.notices) != before+1 {
		t.Errorf("a post without an author: %v, %d notices", err, len(st.notices)-before)
	}
	if err := q.Approve(ctx, "cop@example.org", 99); !errors.Is(err, store.ErrNotFound) || !errors.Is(err, ErrNoHeldPost) {
		t.Errorf("an unknown post: %v, want ErrNoHeldPost", err)
	}
	if err := q.Approve(ctx, "other@example.org", 2); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an unknown list: %v", err)
	}
	_, held, err := q.Held(ctx, "cop@example.org")
	if err != nil || len(held) != 0 {
		t.Errorf("%d posts still held (%v)", len(held), err)
	}
}

func TestExpireRejectsAndTellsTheAuthor(t *testing.T) {
	ctx := context.Background()
	q, st, _ := newQueue(t)
	hold(t, q, st, 4, "eve@example.com")
	hold(t, q, st, 5, "bob@example.com")
	if err := q.Approve(ctx, "cop@example.org", 5); err != nil {
		t.Fatal(err)
	}
	before := len(st.notices)
	if err := q.Expire(ctx); err != nil {
		t.Fatal(err)
	}
	if st.msgs[4].State != store.StateRejected || st.msgs[5].State != store.StateAccepted {
		t.Errorf("states after expiry: %s and %s", st.msgs[4].State, st.msgs[5].State)
	}
	if len(st.notices) != before+1 || st.noticeTo[before][0] != "eve@example.com" {
		t.Errorf("%d expiry notices, want one to eve", len(st.notices)-before)
	}
	if len(st.pending) != 0 {
		t.Errorf("%d requests left", len(st.pending))
	}
}
