package check

import (
	"context"
	"errors"
	"testing"

	"github.com/emersion/go-message/textproto"

	"praxis/listserv/inbound"
	"praxis/listserv/store"
)

func TestLoopAndDestinationMatchWholeAddresses(t *testing.T) {
	h := func(field, v string) textproto.Header {
		var hh textproto.Header
		hh.Set(field, v)
		return hh
	}
	tests := []struct {
		field, value string
		want         bool
	}{
		{"To", "cop@example.org", true},
		{"To", "CoP <COP@example.org>", true},
		{"To", "bigcop@example.org", false},
		{"To", "cop@example.org.evil", false},
		{"Cc", "a@b.c, cop@example.org", true},
		{"X-Loop", "cop@example.org", true},
		{"X-Loop", "not a list: bigcop@example.org;", false},
		{"X-Loop", "broken <<cop@example.org", true},
	}
	for _, tt := range tests {
		if got := HeaderHasAddress(h(tt.field, tt.value), "cop@example.org", tt.field); got != tt.want {
			t.Errorf("%s: %q = %v, want %v", tt.field, tt.value, got, tt.want)
		}
	}
}

// fakeSource answers Gather's questions from memory and counts them.
type fakeSource struct {
	members   map[string]*store.Member
	banned    map[string]bool
	trusted   bool // AuthorTrusted's answer
	unsigned  bool // AuthorUnsignable's answer
	err       error
	lookups   int
	dmarcAsks int
}

func (f *fakeSource) Banned(_ context.Context, _ *store.List, addr string) (bool, error) {
	f.lookups++
	return f.banned[addr], f.err
}

func (f *fakeSource) Member(_ context.Context, _ int64, addr string) (*store.Member, error) {
	f.lookups++
	if m, ok := f.members[addr]; ok {
		return m, nil
	}
	return nil, store.ErrNotFound
}

func (f *fakeSource) AuthorTrusted(context.Context, []byte, string) (bool, string) {
	f.dmarcAsks++
	return f.trusted, "DMARC fail"
}

func (f *fakeSource) AuthorUnsignable(context.Context, string) (bool, string) {
	f.dmarcAsks++
	return f.unsigned, "strict DMARC"
}

func TestGather(t *testing.T) {
	ann := &store.Member{Address: "ann@example.net", Role: store.RoleMember}
	l := &store.List{ID: 1, Address: "cop@example.org"}
	tests := []struct {
		name     string
		raw      string
		mailFrom string
		src      fakeSource
		check    func(t *testing.T, f Facts, src *fakeSource)
	}{
		{"a member, authenticated", "From: Ann <ann@example.net>\r\nTo: cop@example.org, b@x.y\r\nSubject: Lathe\r\n\r\nHow do I square it?\r\n", "ann@example.net",
			fakeSource{members: map[string]*store.Member{"ann@example.net": ann}, trusted: true},
			func(t *testing.T, f Facts, src *fakeSource) {
				if f.Member != ann || f.Unauthenticated != "" || !f.NamesList || f.Recipients != 2 || f.Subject != "Lathe" || len(f.FirstLines) != 1 {
					t.Errorf("facts %+v", f)
				}
			}},
		{"a member's From that fails DMARC", "From: ann@example.net\r\nSubject: x\r\n\r\nx\r\n", "ann@example.net",
			fakeSource{members: map[string]*store.Member{"ann@example.net": ann}},
			func(t *testing.T, f Facts, src *fakeSource) {
				if f.Member != nil || f.Unauthenticated != "From not authenticated: DMARC fail" {
					t.Errorf("facts %+v", f)
				}
			}},
		{"an author from Sender, at a strict domain", "Sender: ann@example.net\r\nSubject: x\r\n\r\nx\r\n", "bounce@example.com",
			fakeSource{members: map[string]*store.Member{"ann@example.net": ann}, trusted: true},
			func(t *testing.T, f Facts, src *fakeSource) {
				if f.Author != "ann@example.net" || f.Member != nil || f.Unauthenticated != "author not authenticated: strict DMARC" {
					t.Errorf("facts %+v", f)
				}
			}},
		{"the envelope as the last resort", "Subject: x\r\n\r\nx\r\n", "env@example.com", fakeSource{unsigned: true},
			func(t *testing.T, f Facts, src *fakeSource) {
				if f.Author != "env@example.com" || f.Member != nil {
					t.Errorf("facts %+v", f)
				}
			}},
		{"two From fields never authenticate", "From: ann@example.net\r\nFrom: eve@example.com\r\nSubject: x\r\n\r\nx\r\n", "eve@example.com",
			fakeSource{members: map[string]*store.Member{"eve@example.com": ann, "ann@example.net": ann}, trusted: true},
			func(t *testing.T, f Facts, src *fakeSource) {
				if f.Member != nil || f.Unauthenticated != "From not authenticated: more than one From field" || src.dmarcAsks != 0 {
					t.Errorf("facts %+v, %d DMARC questions", f, src.dmarcAsks)
				}
			}},
		{"a loop asks nothing", "From: ann@example.net\r\nX-Loop: cop@example.org\r\n\r\nx\r\n", "ann@example.net", fakeSource{},
			func(t *testing.T, f Facts, src *fakeSource) {
				if f.Loop != "X-Loop" || src.lookups+src.dmarcAsks != 0 {
					t.Errorf("facts %+v, %d lookups", f, src.lookups)
				}
			}},
		{"a ban asks no more", "From: ann@example.net\r\n\r\nx\r\n", "ann@example.net", fakeSource{banned: map[string]bool{"ann@example.net": true}},
			func(t *testing.T, f Facts, src *fakeSource) {
				if !f.Banned || src.lookups != 1 {
					t.Errorf("facts %+v, %d lookups", f, src.lookups)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := tt.src
			m := &store.Message{Raw: []byte(tt.raw), MailFrom: tt.mailFrom}
			f, err := Gather(context.Background(), &src, l, m, inbound.Summarize(m.Raw))
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, f, &src)
		})
	}
	// Not knowing is not "not a member": a store error is returned.
	src := &fakeSource{err: errors.New("database is locked")}
	m := &store.Message{Raw: []byte("From: ann@example.net\r\n\r\nx\r\n"), MailFrom: "ann@example.net"}
	if _, err := Gather(context.Background(), src, l, m, inbound.Summarize(m.Raw)); err == nil {
		t.Error("a failing store gave facts")
	}
}
