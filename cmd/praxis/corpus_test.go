package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"praxis/listserv/mailmsg/corpus"
	"strings"
	"testing"

	"github.com/emersion/go-smtp"

	"praxis/listserv/store"
)

// corpusFiles lists every message file under ../shared/corpora except the
// big benchmark archive.
func corpusFiles(t *testing.T) []string {
	return corpus.Files(t, filepath.Join("..", "..", "..", "shared", "corpora"))
}

// TestCorpusPostedByMember posts every corpus message, as a member, to a
// running server: the server stays up, and each message is either refused
// with an SMTP error or relayed — except bounces and auto-replies, which
// are kept, with the reason, and never relayed. None vanishes.
func TestCorpusPostedByMember(t *testing.T) {
	files := corpusFiles(t)
	data := t.TempDir()
	// The corpus's messages name other lists in To: the implicit
	// destination and recipient-count rules would hold them all.
	praxis(t, data, "list", "create", "cop@example.org", "--name", "Corpus", "--post", "members",
		"--require-explicit-destination=false", "--max-recipients", "0")
	praxis(t, data, "member", "add", "cop@example.org", "member@example.net")
	rec := newRecorder(t)
	srv := serve(t, data, rec.sink.Addr())

	dial := func() *smtp.Client {
		cl, err := smtp.Dial(srv.smtp)
		if err != nil {
			t.Fatalf("server unreachable: %v\n%s", err, srv.stderr)
		}
		return cl
	}
	cl := dial()
	defer func() { cl.Close() }()
	accepted, refused := 0, 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		err = cl.SendMail("member@example.net", []string{"cop@example.org"}, strings.NewReader(string(asMember(raw))))
		var se *smtp.SMTPError
		switch {
		case err == nil:
			accepted++
		case errors.As(err, &se):
			refused++
			t.Logf("%s refused: %d %v %s", f, se.Code, se.EnhancedCode, se.Message)
			cl.Reset()
		default:
			// The server may close the connection after a fatal error
			// (a line beyond the limit); that is a refusal too, as long as
			// the server still answers.
			refused++
			t.Logf("%s refused, connection closed: %v", f, err)
			cl.Close()
			cl = dial()
		}
	}
	t.Logf("%d files: %d accepted, %d refused with an SMTP error", len(files), accepted, refused)

	// Every 250 is a row; wait until none is left unchecked.
	st, err := openStore(data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	l, err := st.ListByAddress(context.Background(), "cop@example.org")
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]int{}
	defer func() {
		if t.Failed() {
			t.Logf("states %v, copies %d", states, len(rec.snapshot()))
			ds, err := st.DeliveryStates(context.Background(), "")
			if err != nil {
				t.Logf("undelivered copies unknown: %v", err)
			}
			for _, d := range ds {
				if d.State != "done" {
					t.Logf("undelivered: message %d %s after %d attempts: %s (%s)", d.MessageID, d.State, d.Attempts, d.LastError, d.Reason)
				}
			}
		}
	}()
	rec.waitFor(t, "every accepted post relayed", func(cs []delivered) bool {
		clear(states)
		total := 0
		for _, s := range []string{store.StateReceived, store.StateAccepted, store.StateHeld, store.StateDropped} {
			ms, err := st.ListMessages(context.Background(), l.ID, s)
			if err != nil {
				t.Fatal(err)
			}
			states[s] = len(ms)
			total += len(ms)
		}
		if total != accepted {
			return false
		}
		return states[store.StateReceived] == 0 && len(cs) == states[store.StateAccepted]
	})
	t.Logf("states: %v; copies at the sink: %d", states, len(rec.snapshot()))
	if states[store.StateAccepted] == 0 {
		t.Fatal("nothing was relayed")
	}
	if held, err := st.ListMessages(context.Background(), l.ID, store.StateHeld); err != nil {
		t.Error(err)
	} else if len(held) != 0 {
		for _, m := range held {
			t.Errorf("a member's post was held: #%d %q: %s", m.ID, m.Subject, m.Reason)
		}
	}
	for _, s := range []string{store.StateHeld, store.StateDropped} {
		ms, err := st.ListMessages(context.Background(), l.ID, s)
		must(t, err)
		for _, m := range ms {
			if m.Reason == "" {
				t.Errorf("message %d is %s without a reason", m.ID, s)
			}
		}
	}
	resp, err := http.Get("http://" + srv.http + "/healthz")
	if err != nil {
		t.Fatalf("server died: %v", err)
	}
	resp.Body.Close()
	srv.stop(t)
}

// asMember makes a corpus message the member's own: a From line naming the
// member goes first, and the message's own From fields are renamed, so the
// members-only policy sees a member whatever the message said.
func asMember(raw []byte) []byte {
	var out bytes.Buffer
	// X-Corpus takes any continuation line the message starts with.
	out.WriteString("From: Member <member@example.net>\r\nX-Corpus: posted by a member\r\n")
	inHeader := true
	for _, line := range bytes.SplitAfter(raw, []byte("\n")) {
		if inHeader && len(bytes.TrimRight(line, "\r\n")) == 0 {
			inHeader = false
		}
		if inHeader && len(line) >= 5 && bytes.EqualFold(line[:5], []byte("from:")) {
			out.WriteString("X-Corpus-")
		}
		out.Write(line)
	}
	return out.Bytes()
}
