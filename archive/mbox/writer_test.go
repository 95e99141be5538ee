package mbox

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

func TestWriter(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	tests := []struct {
		name string
		from string
		date time.Time
		raw  string
		want string
	}{
		{
			"plain",
			"alice@example.org", dateA, "Subject: a\n\nbody\n",
			"From alice@example.org Mon Jan  2 15:04:05 2006\nSubject: a\n\nbody\n\n",
		},
		{
			"null sender",
			"", dateA, "Subject: a\n\nbody\n",
			"From MAILER-DAEMON Mon Jan  2 15:04:05 2006\nSubject: a\n\nbody\n\n",
		},
		{
			// qmail's mbox(5): blanks in the sender become hyphens.
			"sender with blanks",
			"\"a b\"@example.org\t", dateA, "Subject: a\n\n",
			"From \"a-b\"@example.org- Mon Jan  2 15:04:05 2006\nSubject: a\n\n\n",
		},
		{
			"date in another zone, two-digit day",
			"a@example.org", time.Date(2021, time.December, 31, 0, 30, 0, 0, paris), "Subject: a\n\n",
			"From a@example.org Thu Dec 30 23:30:00 2021\nSubject: a\n\n\n",
		},
		{
			"zero date",
			"a@example.org", time.Time{}, "Subject: a\n\n",
			"From a@example.org Thu Jan  1 00:00:00 1970\nSubject: a\n\n\n",
		},
		{
			"date asctime cannot show",
			"a@example.org", time.Date(12345, time.January, 1, 0, 0, 0, 0, time.UTC), "Subject: a\n\n",
			"From a@example.org Thu Jan  1 00:00:00 1970\nSubject: a\n\n\n",
		},
		{
			// mboxrd: every ">*From " line gains one ">", nothing else.
			"quoting",
			"a@example.org", dateA, "Subject: a\n\nFrom x\n>From y\n>>From z\n> From w\n>Fromage\nFrom\n From x\nFrom",
			"From a@example.org Mon Jan  2 15:04:05 2006\nSubject: a\n\n>From x\n>>From y\n>>>From z\n> From w\n>Fromage\nFrom\n From x\nFrom\n\n",
		},
		{
			"quoted first line",
			"a@example.org", dateA, "From the start\n",
			"From a@example.org Mon Jan  2 15:04:05 2006\n>From the start\n\n",
		},
		{
			"no final newline",
			"a@example.org", dateA, "Subject: a\n\nbody",
			"From a@example.org Mon Jan  2 15:04:05 2006\nSubject: a\n\nbody\n\n",
		},
		{
			"CRLF kept, CRLF added",
			"a@example.org", dateA, "Subject: a\r\n\r\n>From x\r\nbody",
			"From a@example.org Mon Jan  2 15:04:05 2006\nSubject: a\r\n\r\n>>From x\r\nbody\r\n\r\n",
		},
		{
			"empty message",
			"a@example.org", dateA, "",
			"From a@example.org Mon Jan  2 15:04:05 2006\n\n",
		},
		{
			"message ending in empty lines",
			"a@example.org", dateA, "Subject: a\n\nbody\n\n\n",
			"From a@example.org Mon Jan  2 15:04:05 2006\nSubject: a\n\nbody\n\n\n\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			w := NewWriter(&buf)
			if err := w.Write(tt.from, tt.date, []byte(tt.raw)); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if got := buf.String(); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

// TestWriterLeavesRawAlone checks that Write does not modify the caller's
// slice while quoting or adding a newline.
func TestWriterLeavesRawAlone(t *testing.T) {
	raw := []byte("Subject: a\r\n\r\nFrom x\r\nbody")
	orig := bytes.Clone(raw)
	w := NewWriter(&bytes.Buffer{})
	if err := w.Write("a@example.org", dateA, raw[:len(raw):len(raw)]); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, orig) {
		t.Errorf("raw changed to %q", raw)
	}
}

func TestWriterErrors(t *testing.T) {
	errFull := errors.New("disk full")
	w := NewWriter(failingWriter{errFull})
	big := bytes.Repeat([]byte("x"), 2*bufSize)
	err := w.Write("a@example.org", dateA, big)
	if !errors.Is(err, errFull) {
		t.Fatalf("Write: err = %v, want %v", err, errFull)
	}
	if err := w.Write("a@example.org", dateA, []byte("Subject: a\n")); !errors.Is(err, errFull) {
		t.Errorf("Write after an error: err = %v, want %v", err, errFull)
	}
	if err := w.Close(); !errors.Is(err, errFull) {
		t.Errorf("Close: err = %v, want %v", err, errFull)
	}

	// An error that only the flush meets.
	w = NewWriter(failingWriter{errFull})
	if err := w.Write("a@example.org", dateA, []byte("Subject: a\n")); err != nil {
		t.Fatalf("buffered Write: %v", err)
	}
	if err := w.Close(); !errors.Is(err, errFull) {
		t.Errorf("Close: err = %v, want %v", err, errFull)
	}
}

type failingWriter struct{ err error }

func (f failingWriter) Write([]byte) (int, error) { return 0, f.err }
