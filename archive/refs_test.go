package archive

import (
	"fmt"
	"strings"
	"testing"

	"praxis/listserv/store"
)

// hugeRefs is a reply to parent whose References names the root, n
// ghosts, and the parent, folded as a client would.
func hugeRefs(id, root, parent string, n int, inReplyTo bool) string {
	var b strings.Builder
	b.WriteString("From: a@example.net\r\nMessage-ID: <" + id + ">\r\nSubject: Re: hello\r\nDate: Mon, 1 Mar 2021 11:00:00 +0000\r\n")
	if inReplyTo {
		b.WriteString("In-Reply-To: <" + parent + ">\r\n")
	}
	b.WriteString("References: <" + root + ">")
	for i := range n {
		fmt.Fprintf(&b, "\r\n <ghost%d@example.net>", i)
	}
	b.WriteString("\r\n <" + parent + ">\r\n\r\nbody\r\n")
	return b.String()
}

// A reply with 200,000 references is read into a bounded list, the
// parent first and the root last, and archived under its real parent
// with a bounded number of references kept.
func TestReadHugeReferences(t *testing.T) {
	for _, irt := range []bool{true, false} {
		t.Run(fmt.Sprint("in-reply-to=", irt), func(t *testing.T) {
			st, list := openStore(t)
			root := put(t, st, list, msg("root@x", "hello"))
			parent := put(t, st, list, msg("parent@x", "Re: hello", "root@x"))
			raw := hugeRefs("huge@x", "root@x", "parent@x", 200000, irt)
			// Read bounds them already: the store's threading, in its
			// write transaction, is handed no more.
			if n := len(Read([]byte(raw), now, "example.org").Refs); n > store.MaxRefs {
				t.Errorf("%d references read, want at most %d", n, store.MaxRefs)
			}
			p := put(t, st, list, raw)
			if p.Refs[0] != "parent@x" || p.Refs[len(p.Refs)-1] != "root@x" {
				t.Errorf("refs from %q to %q, want parent@x to root@x", p.Refs[0], p.Refs[len(p.Refs)-1])
			}
			if p.ParentID != parent.MessageID || p.ThreadID != root.ThreadID {
				t.Errorf("parent %q thread %q, want %q in %q", p.ParentID, p.ThreadID, parent.MessageID, root.ThreadID)
			}
		})
	}
}

func TestReferences(t *testing.T) {
	long := strings.Repeat("x", store.MaxRefLen) + "@x"
	var many []string
	for i := range 30 {
		many = append(many, fmt.Sprintf("<%d@x>", i))
	}
	for _, c := range []struct {
		irt  string
		refs []string
		want string
	}{
		{"", nil, "[]"},
		{"<b@x> (comment)", []string{"<a@x>\r\n <b@x>"}, "[b@x a@x]"},
		{"", []string{"<a@x> <b@x>", "<c@x>"}, "[c@x b@x a@x]"},
		{"<" + long + ">", []string{"<a@x> <" + long + "> <b@x>"}, "[b@x a@x]"},
		{"<self@x>", []string{"<self@x> <a@x>"}, "[a@x]"},
		{"<a@x>", []string{"<a@x>"}, "[a@x]"},
		{"<a b> <<c@x>", []string{"stray <d@x"}, "[c@x]"},
		{"<p@x>", []string{strings.Join(many, " ")},
			"[p@x 29@x 28@x 27@x 26@x 25@x 24@x 23@x 22@x 21@x 20@x 19@x 18@x 17@x 16@x 15@x 14@x 13@x 12@x 0@x]"},
		{"", []string{strings.Join(many, " ")},
			"[29@x 28@x 27@x 26@x 25@x 24@x 23@x 22@x 21@x 20@x 19@x 18@x 17@x 16@x 15@x 14@x 13@x 12@x 11@x 0@x]"},
	} {
		if got := fmt.Sprint(references(c.irt, c.refs, "self@x")); got != c.want {
			t.Errorf("references(%q, %q) = %s, want %s", c.irt, c.refs, got, c.want)
		}
	}
}

// FuzzReferences checks what threading relies on: a bounded list of
// short, distinct ids, each written between brackets in the fields, the
// first References id last.
func FuzzReferences(f *testing.F) {
	f.Add("<b@x>", "<a@x> <b@x>")
	f.Add("", "<a@x><<b@x> c <d@x>")
	f.Add("<a@x>", "<a@x> <b@x>")
	f.Fuzz(func(t *testing.T, irt, refs string) {
		got := references(irt, []string{refs}, "self@x")
		if len(got) > store.MaxRefs {
			t.Fatalf("%d refs", len(got))
		}
		seen := map[string]bool{}
		for _, id := range got {
			if seen[id] || id == "self@x" || len(id) > store.MaxRefLen || id == "" {
				t.Fatalf("bad ref %q in %q", id, got)
			}
			seen[id] = true
			if !strings.Contains(irt+refs, "<"+id+">") {
				t.Fatalf("%q not in the fields", id)
			}
		}
		// The root is last, or first when it is also the parent.
		if ids := msgIDs(refs); len(ids) > 0 && len(ids[0]) <= store.MaxRefLen && ids[0] != "self@x" &&
			got[len(got)-1] != ids[0] && got[0] != ids[0] {
			t.Fatalf("root %q not kept in %q", ids[0], got)
		}
	})
}
