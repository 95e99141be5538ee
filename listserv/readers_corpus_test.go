package listserv_test

import (
	"bytes"
	"os"
	"path/filepath"
	"praxis/listserv/mailmsg/corpus"
	"strings"
	"testing"
	"time"

	"praxis/archive"
	"praxis/archive/render"
	"praxis/listserv/digest"
	"praxis/listserv/inbound"
	"praxis/listserv/mailmsg"
	"praxis/listserv/rewrite"
)

// TestCorpusReadersAgree holds every reader of a post to one answer: for
// each corpus message, the subject and the author's address that the spool
// summary, the relayed copy, the archive, the web page and a digest's table
// of contents give are the ones mailmsg gives. A reader that decodes a
// charset another leaves encoded, or reads another header block, fails it.
func TestCorpusReadersAgree(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	checked := 0
	for _, f := range corpus.Files(t, filepath.Join("..", "..", "shared", "corpora")) {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name, _ := filepath.Rel(filepath.Join("..", "..", "shared", "corpora"), f)
		h, _ := mailmsg.ReadHeader(raw)
		wantSubject := mailmsg.Subject(h)
		wantAddr, wantName := mailmsg.Author(h)
		wantAddr = strings.ToLower(wantAddr)
		disagree := func(reader, what, got, want string) {
			t.Errorf("%s: %s reads %s %q, mailmsg %q", name, reader, what, got, want)
		}

		// The spool's summary (what listings and the checks see). Its
		// author is the From a DKIM verifier reads, which is the
		// reader's as long as the verifier sees one From and both read
		// the same header block (a byte order mark glued to "From" hides
		// it from the verifier); other mail is refused live or never
		// taken as authenticated.
		sum := inbound.Summarize(raw)
		if sum.Subject != wantSubject {
			disagree("the spool", "subject", sum.Subject, wantSubject)
		}
		if sum.FromFields == 1 && !sum.HeaderSplit && strings.ToLower(sum.From) != wantAddr {
			disagree("the spool", "author", sum.From, wantAddr)
		}

		// The archive and the web page.
		p := archive.Read(raw, now, "example.org")
		if p.Subject != wantSubject {
			disagree("the archive", "subject", p.Subject, wantSubject)
		}
		if p.FromAddr != wantAddr {
			disagree("the archive", "author", p.FromAddr, wantAddr)
		}
		m := render.Render(raw)
		if m.Subject != wantSubject {
			disagree("the web page", "subject", m.Subject, wantSubject)
		}
		if m.FromAddr != wantAddr {
			disagree("the web page", "author", m.FromAddr, wantAddr)
		}

		// The relayed copy, read back: its subject is the post's with
		// the list's prefix.
		if c, err := rewrite.Prepare(raw, rewrite.List{Address: "cop@example.org", Name: "CoP", Prefix: "[cop] "}, "id@example.org"); err == nil {
			var out bytes.Buffer
			if err := c.Write(&out, ""); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			ch, _ := mailmsg.ReadHeader(out.Bytes())
			want := mailmsg.Text(rewrite.PrefixSubject(wantSubject, "[cop] "))
			if got := mailmsg.Subject(ch); got != want {
				disagree("the relay", "subject", got, want)
			}
			if a, _ := mailmsg.Author(ch); strings.ToLower(a) != wantAddr {
				disagree("the relay", "author", a, wantAddr)
			}
		}

		// A digest's table of contents: "1. subject (author)".
		d, err := digest.DigestRFC1153([][]byte{raw}, digest.DigestOptions{List: digest.List{Address: "cop@example.org", Name: "CoP"}, Volume: 1, Issue: 1, Date: now})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		who := wantName
		if who == "" {
			who = wantAddr
		}
		subj := wantSubject
		if subj == "" {
			subj = "(no subject)"
		}
		if got, want := tocEntry(d), subj+" ("+who+")"; !strings.EqualFold(got, want) {
			disagree("a digest", "entry", got, want)
		}
		checked++
	}
	t.Logf("%d messages read alike", checked)
}

// tocEntry is the first entry of an RFC 1153 digest's table of contents,
// its wrapped lines joined again.
func tocEntry(d []byte) string {
	text := strings.ReplaceAll(string(d), "\r\n", "\n")
	_, toc, ok := strings.Cut(text, "Today's Topics:\n\n")
	if !ok {
		return ""
	}
	toc, _, _ = strings.Cut(toc, "\n\n")
	var words []string
	for i, l := range strings.Split(toc, "\n") {
		if i == 0 {
			_, l, _ = strings.Cut(l, "1. ")
		}
		words = append(words, strings.TrimSpace(l))
	}
	return strings.Join(words, " ")
}
