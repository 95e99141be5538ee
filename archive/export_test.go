package archive

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"praxis/archive/mbox"
	"praxis/listserv/mailmsg"
	"praxis/listserv/store"
)

// TestExportBytes: an export names a post that came without a
// Message-ID as the archive does, and Unexported reads it back as the
// post it was made of; nothing else is taken for one.
func TestExportBytes(t *testing.T) {
	madeUp := func(raw string, spool bool) string {
		if spool {
			return mailmsg.SpoolID(42, []byte(raw), "mail.example.org")
		}
		return mailmsg.ContentID([]byte(raw), "example.org")
	}
	noID := "From: Bob <bob@example.com>\r\nSubject: VPN\r\n\r\nvpn secret is swordfish42\r\n"
	noIDLF := strings.ReplaceAll(noID, "\r\n", "\n")
	badID := "Message-ID: <>\r\nFrom: Bob <bob@example.com>\r\n\r\nhi\r\n"
	own := "From: Bob <bob@example.com>\r\nMessage-ID: <abc@example.com>\r\n\r\nhi\r\n"
	cases := []struct {
		name, raw, id string
		added         bool
	}{
		{"made up at the spool", noID, madeUp(noID, true), true},
		{"made up at an import", noID, madeUp(noID, false), true},
		{"LF line ends", noIDLF, madeUp(noIDLF, false), true},
		{"a field the archive could not use", badID, madeUp(badID, true), true},
		{"its own", own, "abc@example.com", false},
	}
	for _, c := range cases {
		out := ExportBytes(&store.ArchivedPost{MessageID: c.id}, []byte(c.raw))
		if !c.added {
			if string(out) != c.raw {
				t.Errorf("%s: the bytes changed:\n%s", c.name, out)
			}
			continue
		}
		eol := "\r\n"
		if !strings.Contains(c.raw, "\r\n") {
			eol = "\n"
		}
		if want := "Message-ID: <" + c.id + ">" + eol + c.raw; string(out) != want {
			t.Errorf("%s: exported as\n%q\nwant\n%q", c.name, out, want)
		}
		for _, back := range []string{string(out), string(out) + "\n"} {
			orig, id, ok := Unexported([]byte(back))
			if !ok || string(orig) != c.raw && string(orig)+"\n" != c.raw || id != c.id {
				t.Errorf("%s: Unexported = %q, %q, %v", c.name, orig, id, ok)
			}
		}
	}
	// Not an export of ours: a post's own field of the same shape names
	// other bytes; a field after the first; another field's name.
	for _, raw := range []string{
		"Message-ID: <" + madeUp("other bytes", false) + ">\r\n" + noID,
		"Message-ID: <praxis.7.0123456789abcdef@mail.example.org>\r\n" + noID,
		"From: Bob <bob@example.com>\r\nMessage-ID: <" + madeUp(noID, false) + ">\r\n" + noID,
		"Message-ID: <" + madeUp(noID, false) + ">\r\n" + noID + "and one more line\r\n",
		own,
		// Ids and fields ExportBytes never writes: a control byte in the
		// id, an LF field before CRLF bytes.
		"Message-ID: <" + strings.Replace(madeUp(noIDLF, false), "@", "@evil\x01", 1) + ">\n" + noIDLF,
		"Message-ID: <" + madeUp(noID, false) + ">\n" + noID,
	} {
		if _, _, ok := Unexported([]byte(raw)); ok {
			t.Errorf("taken for an export: %q", raw)
		}
	}
	// An id that cannot be written as a field is not.
	if out := ExportBytes(&store.ArchivedPost{MessageID: "a b@example.org"}, []byte(noID)); string(out) != noID {
		t.Errorf("an id with a space was written: %q", out)
	}
}

// FuzzUnexported: any bytes an import reads are taken for an export only
// when ExportBytes could have made them, and never crash it.
func FuzzUnexported(f *testing.F) {
	f.Add([]byte("Message-ID: <praxis-archive.0123456789abcdef01234567@x>\r\n"))
	f.Add([]byte("Message-ID: <praxis.1.0123456789abcdef@x>\nFrom: a\n\nb"))
	f.Add([]byte("Message-ID: <praxis.>"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		orig, id, ok := Unexported(raw)
		if !ok {
			return
		}
		out := ExportBytes(&store.ArchivedPost{MessageID: id}, orig)
		if string(out) != string(raw) && string(out)+"\n" != string(raw) && string(out)+"\r\n" != string(raw) {
			t.Errorf("Unexported(%q) = %q, %q: not what ExportBytes makes of them", raw, orig, id)
		}
	})
}

// TestExportImportedBack: whatever way a post came (by SMTP with the
// spool's id, with a Message-ID field the archive cannot use, shaped like
// an export itself, ending in a bare CR, or by an import), its export,
// imported as it was, stores nothing twice.
func TestExportImportedBack(t *testing.T) {
	shaped := []byte("From: Mallory <m@example.com>\r\nSubject: hi\r\n\r\nhello\r\n")
	shaped = append([]byte("Message-ID: <"+mailmsg.SpoolID(1, shaped, "mail.example.org")+">\r\n"), shaped...)
	// The spool's id of a post without a usable Message-ID (listserv's
	// pipeline).
	spool := func(raw string) string { return mailmsg.SpoolID(2, []byte(raw), "mail.example.org") }
	bySMTP := "From: Bob <b@example.com>\r\nSubject: VPN\r\n\r\nswordfish\r\n"
	cases := []struct {
		name    string
		raw     string
		spoolID string // "" for an import
	}{
		{"by SMTP", bySMTP, spool(bySMTP)},
		{"a spaced Message-ID, by SMTP", "From: Bob <b@example.com>\r\nMessage-ID: <vpn secret@x.test>\r\nSubject: VPN\r\n\r\nswordfish\r\n", "vpn secret@x.test"},
		{"an export sent by SMTP", string(shaped), spool(string(shaped))},
		{"an export imported", string(shaped), ""},
		{"ending in a bare CR, imported", "From: x@example.com\nSubject: ends in CR\n\nbody\r", ""},
		{"no final line end, imported", "From: x@example.com\nSubject: no end\n\nbody", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			st, listID := openStore(t)
			l, err := st.ListByID(ctx, listID)
			if err != nil {
				t.Fatal(err)
			}
			a := NewArchiver(st, time.Now)
			if c.spoolID != "" {
				err = a.Archive(ctx, l, []byte(c.raw), c.spoolID)
			} else {
				_, _, err = a.ArchiveMany(ctx, l, [][]byte{[]byte(c.raw)})
			}
			if err != nil {
				t.Fatal(err)
			}
			var export bytes.Buffer
			w := mbox.NewWriter(&export)
			must(t, st.ArchiveEach(ctx, listID, time.Time{}, func(p *store.ArchivedPost) error {
				raw, err := st.ArchiveRaw(ctx, p.Hash)
				if err != nil {
					return err
				}
				return w.Write(p.FromAddr, p.Date, ExportBytes(p, raw))
			}))
			must(t, w.Close())
			r, err := mbox.NewReader(&export)
			if err != nil {
				t.Fatal(err)
			}
			var again [][]byte
			for {
				m, err := r.Next()
				if err != nil {
					break
				}
				again = append(again, m.Raw)
			}
			_, made, err := a.ArchiveMany(ctx, l, again)
			if err != nil {
				t.Fatal(err)
			}
			if len(made) != 1 || made[0] {
				t.Errorf("the export, imported as it was: made %v", made)
			}
		})
	}
}
