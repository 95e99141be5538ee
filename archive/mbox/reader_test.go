package mbox

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// want describes one message a test expects. malformed lists the warnings
// Message.Malformed must hold, in order; nil means none.
type want struct {
	raw       string
	from      string
	date      time.Time
	line      int
	offset    int64
	malformed []string
}

var (
	sepA  = "From alice@example.org Mon Jan  2 15:04:05 2006\n"
	sepB  = "From bob@example.org Tue Jan  3 10:00:00 2006\n"
	dateA = time.Date(2006, time.January, 2, 15, 4, 5, 0, time.UTC)
	dateB = time.Date(2006, time.January, 3, 10, 0, 0, 0, time.UTC)
)

func TestReader(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []want
	}{
		{"empty input", "", nil},
		{"only empty lines", "\n\r\n\n", nil},
		{
			"one message",
			sepA + "Subject: a\n\nbody\n\n",
			[]want{{raw: "Subject: a\n\nbody\n", from: "alice@example.org", date: dateA, line: 1}},
		},
		{
			"two messages, RFC 4155 layout",
			sepA + "Subject: a\n\nbody a\n\n" + sepB + "Subject: b\n\nbody b\n\n",
			[]want{
				{raw: "Subject: a\n\nbody a\n", from: "alice@example.org", date: dateA, line: 1},
				{raw: "Subject: b\n\nbody b\n", from: "bob@example.org", date: dateB, line: 6, offset: int64(len(sepA) + 20)},
			},
		},
		{
			// Pipermail and some exporters: no empty line before the
			// separator, so nothing is removed from the first message.
			"separator without empty line, header follows",
			sepA + "Subject: a\n\nbody a\n" + sepB + "Subject: b\n\nbody b\n",
			[]want{
				{raw: "Subject: a\n\nbody a\n", from: "alice@example.org", date: dateA, line: 1},
				{raw: "Subject: b\n\nbody b\n", from: "bob@example.org", date: dateB, line: 5, malformed: []string{warnNoBlank}},
			},
		},
		{
			"dated From line in a body, no empty line, no header after",
			sepA + "Subject: a\n\nsee below\n" + sepB + "quoted by hand\n",
			[]want{{raw: "Subject: a\n\nsee below\n" + sepB + "quoted by hand\n", from: "alice@example.org", date: dateA, line: 1}},
		},
		{
			// MimeKit's unmunged.mbox.txt: an unquoted body line after a
			// paragraph break, then a line that looks like a header.
			"undated From sentence after empty line, header-like line after",
			sepA + "Subject: a\n\nMy favourite film:\n\nFrom Russia with love\nYear: 1963\n\n",
			[]want{{raw: "Subject: a\n\nMy favourite film:\n\nFrom Russia with love\nYear: 1963\n", from: "alice@example.org", date: dateA, line: 1}},
		},
		{
			"From sentence at the end of a body",
			sepA + "Subject: a\n\nbody\n\nFrom the manual\n",
			[]want{{raw: "Subject: a\n\nbody\n\nFrom the manual\n", from: "alice@example.org", date: dateA, line: 1}},
		},
		{
			// RFC 4155's own rule: a dated "From " line after an empty
			// line separates, header or not. An unquoted one in a body
			// therefore splits the message; only quoting prevents that.
			"dated From line after empty line splits even without header",
			sepA + "Subject: a\n\nbody\n\n" + sepB + "no header here\n",
			[]want{
				{raw: "Subject: a\n\nbody\n", from: "alice@example.org", date: dateA, line: 1},
				{raw: "no header here\n", from: "bob@example.org", date: dateB, line: 6},
			},
		},
		{
			"undated separators (Netscape), with and without empty line",
			"From - \nSubject: a\n\nbody a\nFrom -\nSubject: b\n\nbody b\n\nFrom -\nSubject: c\n\nbody c\n",
			[]want{
				{raw: "Subject: a\n\nbody a\n", line: 1, malformed: []string{warnNoDate}},
				{raw: "Subject: b\n\nbody b\n", line: 5, malformed: []string{warnNoDate, warnNoBlank}},
				{raw: "Subject: c\n\nbody c\n", line: 10, malformed: []string{warnNoDate}},
			},
		},
		{
			"undated From line not followed by a header is body",
			sepA + "Subject: a\n\nbody\n\nFrom -\nnot a header\n",
			[]want{{raw: "Subject: a\n\nbody\n\nFrom -\nnot a header\n", from: "alice@example.org", date: dateA, line: 1}},
		},
		{
			"Gmail Takeout separators",
			"From 1844347792267117879@xxx Mon Jan 02 15:04:05 +0000 2006\nX-GM-THRID: 1\n\nbody\n\n" +
				"From 1844347839636459560@xxx\nX-GM-THRID: 2\n\nbody\n",
			[]want{
				{raw: "X-GM-THRID: 1\n\nbody\n", from: "1844347792267117879@xxx", date: dateA, line: 1},
				{raw: "X-GM-THRID: 2\n\nbody\n", from: "1844347839636459560@xxx", line: 6, malformed: []string{warnNoDate}},
			},
		},
		{
			"pipermail separator",
			"From alice at example.org  Mon Jan  2 15:04:05 2006\nSubject: a\n\nbody\n",
			[]want{{raw: "Subject: a\n\nbody\n", from: "alice@example.org", date: dateA, line: 1}},
		},
		{
			"MAILER-DAEMON",
			"From MAILER-DAEMON Mon Jan  2 15:04:05 2006\nSubject: bounce\n\n",
			[]want{{raw: "Subject: bounce\n", date: dateA, line: 1}},
		},
		{
			"mboxrd quoting levels",
			sepA + "Subject: a\n\n>From x\n>>From y\n>>>From z\n> From not quoted\n>Fromage\nFrom unquoted body\n>From\n",
			[]want{{raw: "Subject: a\n\nFrom x\n>From y\n>>From z\n> From not quoted\n>Fromage\nFrom unquoted body\n>From\n", from: "alice@example.org", date: dateA, line: 1}},
		},
		{
			// A quoted separator is never a separator, even between
			// messages: it is unquoted into the body.
			"quoted separator after empty line",
			sepA + "Subject: a\n\nbody\n\n>" + sepB + "Subject: b\n",
			[]want{{raw: "Subject: a\n\nbody\n\n" + sepB + "Subject: b\n", from: "alice@example.org", date: dateA, line: 1}},
		},
		{
			"CRLF",
			strings.TrimSuffix(sepA, "\n") + "\r\nSubject: a\r\n\r\n>From x\r\n\r\n" + strings.TrimSuffix(sepB, "\n") + "\r\nSubject: b\r\n\r\nbody\r\n\r\n",
			[]want{
				{raw: "Subject: a\r\n\r\nFrom x\r\n", from: "alice@example.org", date: dateA, line: 1},
				{raw: "Subject: b\r\n\r\nbody\r\n", from: "bob@example.org", date: dateB, line: 6, offset: int64(len(sepA) + 1 + 25)},
			},
		},
		{
			"CRLF separator without empty line",
			"From - \r\nSubject: a\r\n\r\na\r\nFrom - \r\nSubject: b\r\n\r\nb\r\n",
			[]want{
				{raw: "Subject: a\r\n\r\na\r\n", line: 1, malformed: []string{warnNoDate}},
				{raw: "Subject: b\r\n\r\nb\r\n", line: 5, malformed: []string{warnNoDate, warnNoBlank}},
			},
		},
		{
			"missing final newline",
			sepA + "Subject: a\n\nbody",
			[]want{{raw: "Subject: a\n\nbody", from: "alice@example.org", date: dateA, line: 1, malformed: []string{warnNoFinalNewline}}},
		},
		{
			"no empty line at the end",
			sepA + "Subject: a\n\nbody\n",
			[]want{{raw: "Subject: a\n\nbody\n", from: "alice@example.org", date: dateA, line: 1}},
		},
		{
			"only one trailing empty line is the format's",
			sepA + "Subject: a\n\nbody\n\n\n\n" + sepB + "Subject: b\n\nbody\n\n\n",
			[]want{
				{raw: "Subject: a\n\nbody\n\n\n", from: "alice@example.org", date: dateA, line: 1},
				{raw: "Subject: b\n\nbody\n\n", from: "bob@example.org", date: dateB, line: 8},
			},
		},
		{
			"only a separator",
			sepA,
			[]want{{raw: "", from: "alice@example.org", date: dateA, line: 1}},
		},
		{
			"empty messages",
			sepA + "\n" + sepB + "Subject: b\n\nbody\n\n" + sepA,
			[]want{
				{raw: "", from: "alice@example.org", date: dateA, line: 1},
				{raw: "Subject: b\n\nbody\n", from: "bob@example.org", date: dateB, line: 3},
				{raw: "", from: "alice@example.org", date: dateA, line: 8},
			},
		},
		{
			"leading text",
			"garbage\nmore garbage\n\n" + sepA + "Subject: a\n\nbody\n",
			[]want{
				{raw: "garbage\nmore garbage\n", line: 1, malformed: []string{warnNoSeparator}},
				{raw: "Subject: a\n\nbody\n", from: "alice@example.org", date: dateA, line: 4, offset: 22},
			},
		},
		{
			"leading text that starts with From",
			"From the desk of Alice\n>From x\n\n" + sepA + "Subject: a\n\n",
			[]want{
				{raw: "From the desk of Alice\nFrom x\n", line: 1, malformed: []string{warnNoSeparator}},
				{raw: "Subject: a\n", from: "alice@example.org", date: dateA, line: 4, offset: 32},
			},
		},
		{
			"a bare message, no separator at all",
			"Subject: a\n\nbody\n",
			[]want{{raw: "Subject: a\n\nbody\n", line: 1, malformed: []string{warnNoSeparator}}},
		},
		{
			"empty lines before the first separator",
			"\n\r\n" + sepA + "Subject: a\n\n",
			[]want{{raw: "Subject: a\n", from: "alice@example.org", date: dateA, line: 3, offset: 3}},
		},
		{
			"byte order mark before the first separator",
			"\ufeff" + sepA + "Subject: a\n\n",
			[]want{{raw: "Subject: a\n", from: "alice@example.org", date: dateA, line: 1, offset: 3, malformed: []string{warnBOM}}},
		},
		{
			"byte order mark before text stays",
			"\ufeffFrom Russia with love\n",
			[]want{{raw: "\ufeffFrom Russia with love\n", line: 1, malformed: []string{warnNoSeparator}}},
		},
		{
			// mboxcl: the length would end the first message inside its
			// body, and a too-long one would swallow the second. Neither
			// is looked at.
			"Content-Length is ignored",
			sepA + "Content-Length: 3\n\nbody\n\n" + sepB + "Content-Length: 9999\n\nbody\n",
			[]want{
				{raw: "Content-Length: 3\n\nbody\n", from: "alice@example.org", date: dateA, line: 1},
				{raw: "Content-Length: 9999\n\nbody\n", from: "bob@example.org", date: dateB, line: 6},
			},
		},
		{
			"separator at end of file without newline",
			sepA + "Subject: a\n\n" + strings.TrimSuffix(sepB, "\n"),
			[]want{
				{raw: "Subject: a\n", from: "alice@example.org", date: dateA, line: 1},
				{raw: "", from: "bob@example.org", date: dateB, line: 4},
			},
		},
		{
			"candidate on the last line",
			sepA + "Subject: a\n\nbody\nFrom -",
			[]want{{raw: "Subject: a\n\nbody\nFrom -", from: "alice@example.org", date: dateA, line: 1, malformed: []string{warnNoFinalNewline}}},
		},
		{
			"two candidates in a row",
			sepA + "Subject: a\n\nbody\nFrom -\nFrom - \nSubject: b\n\n",
			[]want{
				{raw: "Subject: a\n\nbody\nFrom -\n", from: "alice@example.org", date: dateA, line: 1},
				{raw: "Subject: b\n", line: 6, malformed: []string{warnNoDate, warnNoBlank}},
			},
		},
	}
	dateVariants := []struct{ name, sep string }{
		{"asctime, day padded", "From a@example.org Mon Jan  2 15:04:05 2006"},
		{"asctime, day unpadded", "From a@example.org Mon Jan 2 15:04:05 2006"},
		{"RFC 5322 date", "From a@example.org Mon, 2 Jan 2006 15:04:05 +0000"},
		{"asctime with zone before year", "From a@example.org Mon Jan  2 15:04:05 +0000 2006"},
		{"asctime without seconds", "From a@example.org Mon Jan 2 15:04 2006"},
	}
	for _, v := range dateVariants {
		date := dateA
		if strings.Contains(v.sep, "15:04 ") {
			date = date.Truncate(time.Minute)
		}
		// Each variant as the first line and as a separator without an
		// empty line before it.
		tests = append(tests, struct {
			name  string
			input string
			want  []want
		}{
			"date variant: " + v.name,
			v.sep + "\nSubject: a\n\nbody\n" + v.sep + "\nSubject: b\n\n",
			[]want{
				{raw: "Subject: a\n\nbody\n", from: "a@example.org", date: date, line: 1},
				{raw: "Subject: b\n", from: "a@example.org", date: date, line: 5, malformed: []string{warnNoBlank}},
			},
		})
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := readAll(t, strings.NewReader(tt.input))
			checkMessages(t, got, tt.want)
			// The same bytes gzipped, and delivered a byte at a time,
			// give the same messages.
			checkMessages(t, readAll(t, bytes.NewReader(gzipBytes(t, []byte(tt.input)))), tt.want)
			checkMessages(t, readAll(t, iotest.OneByteReader(strings.NewReader(tt.input))), tt.want)
			checkAccounting(t, []byte(tt.input), got)
			checkRoundTrip(t, got)
		})
	}
}

// checkMessages compares got with want, field by field.
func checkMessages(t *testing.T, got []*Message, want []want) {
	t.Helper()
	if len(got) != len(want) {
		for i, m := range got {
			t.Logf("got[%d] = %q (line %d, %q)", i, m.Raw, m.Line, m.Malformed)
		}
		t.Fatalf("got %d messages, want %d", len(got), len(want))
	}
	for i, w := range want {
		m := got[i]
		if string(m.Raw) != w.raw {
			t.Errorf("message %d: Raw = %q, want %q", i, m.Raw, w.raw)
		}
		if m.Raw == nil {
			// An importer would store it as NULL, not as no bytes.
			t.Errorf("message %d: Raw is nil", i)
		}
		if m.From != w.from {
			t.Errorf("message %d: From = %q, want %q", i, m.From, w.from)
		}
		if !m.Date.Equal(w.date) {
			t.Errorf("message %d: Date = %v, want %v", i, m.Date, w.date)
		}
		if m.Line != w.line {
			t.Errorf("message %d: Line = %d, want %d", i, m.Line, w.line)
		}
		if w.offset != 0 && m.Offset != w.offset {
			t.Errorf("message %d: Offset = %d, want %d", i, m.Offset, w.offset)
		}
		if want := strings.Join(w.malformed, "; "); m.Malformed != want {
			t.Errorf("message %d: Malformed = %q, want %q", i, m.Malformed, want)
		}
	}
}

func TestReaderLongLines(t *testing.T) {
	long := strings.Repeat("x", 3*bufSize+17)
	longFrom := "From a@example.org Mon Jan  2 15:04:05 2006 " + long + "\n"
	input := sepA + "Subject: " + long + "\n\n" + long + "\n" + ">From " + long + "\n" +
		"From -\n" + "X-Long: " + long + "\n\n" + longFrom + "Subject: b\n\n"
	got := readAll(t, strings.NewReader(input))
	checkMessages(t, got, []want{
		{raw: "Subject: " + long + "\n\n" + long + "\n" + "From " + long + "\n", from: "alice@example.org", date: dateA, line: 1},
		{raw: "X-Long: " + long + "\n", line: 6, malformed: []string{warnNoDate, warnNoBlank}},
		{raw: "Subject: b\n", from: "a@example.org", date: dateA, line: 9},
	})
	checkAccounting(t, []byte(input), got)
	checkRoundTrip(t, got)
}

// TestReaderMessageSizes: each message is read whole, whatever came
// before it (a buffer kept from a message of megabytes is reused for the
// next), and its Raw holds little more than its size: a batch of an import
// holds many, and messages made of appends held 186 MB for the usrp
// archive's 105 MB. What the Reader keeps between messages stays bounded.
func TestReaderMessageSizes(t *testing.T) {
	line := strings.Repeat("y", 76) + "\n"
	body := func(lines int) string { return "Subject: s\n\n" + strings.Repeat(line, lines) }
	// Lines of 77 bytes: 20,000 and 30,000 are 1.5 and 2.3 MB (kept and
	// reused), 60,000 and 70,000 are 4.6 and 5.4 MB (over keepBody).
	sizes := []int{1, 40, 20000, 2, 30000, 3, 60000, 1, 70000, 70000, 1}
	var in strings.Builder
	var exp []want
	lineNo := 1
	for i, n := range sizes {
		sep, from, date := sepA, "alice@example.org", dateA
		if i%2 == 1 {
			sep, from, date = sepB, "bob@example.org", dateB
		}
		in.WriteString(sep + body(n) + "\n")
		exp = append(exp, want{raw: body(n), from: from, date: date, line: lineNo})
		lineNo += n + 4
	}
	n := 0
	got := readEach(t, strings.NewReader(in.String()), func(r *Reader, _ *Message) {
		if c := cap(r.body); c > keepBody {
			t.Errorf("after message %d the Reader keeps a buffer of %d bytes", n, c)
		}
		n++
	})
	checkMessages(t, got, exp)
	for i, m := range got {
		// Size classes round small allocations up, pages big ones; a
		// buffer too big to keep is handed out with what its last
		// doubling left unused.
		limit := len(m.Raw) + 8192
		if len(m.Raw) > keepBody {
			limit = 2*len(m.Raw) + 8192
		}
		if cap(m.Raw) > limit {
			t.Errorf("message %d: %d bytes held for %d read", i, cap(m.Raw), len(m.Raw))
		}
	}
}

// TestReaderLookAheadBounded: a line of megabytes read ahead after a
// "From " line in a body, or read as text before the first separator, is
// not held for the rest of the file.
func TestReaderLookAheadBounded(t *testing.T) {
	long := strings.Repeat("z", 2*keepScratch) + "\n"
	input := long + "\n" + sepA + "Subject: a\n\nbody\nFrom x@example.org\n" + long + "\n" +
		sepB + "Subject: b\n\nb\n\n" + sepA + "Subject: c\n\nc\n"
	var last *Reader
	got := readEach(t, strings.NewReader(input), func(r *Reader, _ *Message) { last = r })
	if len(got) != 4 {
		t.Fatalf("read %d messages, want 4", len(got))
	}
	if string(got[0].Raw) != long {
		t.Errorf("the text before the first separator: %d bytes, want %d", len(got[0].Raw), len(long))
	}
	if !strings.Contains(string(got[1].Raw), "From x@example.org\n"+long) {
		t.Errorf("message 2 lost its lines: %d bytes", len(got[1].Raw))
	}
	r := last
	for name, b := range map[string][]byte{"look-ahead": r.la.b, "long line": r.long, "candidate": r.cand, "lead": r.lead.b} {
		if cap(b) > keepScratch {
			t.Errorf("the %s buffer holds %d bytes after the file", name, cap(b))
		}
	}
}

// TestReaderStreams reads from an endless mbox and checks that the Reader
// stays close behind the messages it has returned: it does not read ahead
// by more than its buffer and one line.
func TestReaderStreams(t *testing.T) {
	msg := []byte(sepA + "Subject: a\n\n" + strings.Repeat("a line of body text\n", 50) + "\n")
	src := &endless{unit: msg}
	r, err := NewReader(src)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5000 {
		m, err := r.Next()
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if want := int64(i) * int64(len(msg)); m.Offset != want {
			t.Fatalf("message %d: Offset = %d, want %d", i, m.Offset, want)
		}
	}
	if ahead := src.n - 5000*int64(len(msg)); ahead > 2*bufSize {
		t.Errorf("Reader read %d bytes past the last message it returned", ahead)
	}
}

// endless repeats unit for ever, counting what it hands out.
type endless struct {
	unit []byte
	pos  int
	n    int64
}

func (e *endless) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], e.unit[e.pos:])
		n += c
		e.pos = (e.pos + c) % len(e.unit)
	}
	e.n += int64(n)
	return n, nil
}

func TestReaderErrors(t *testing.T) {
	errBoom := errors.New("boom")

	t.Run("read error mid-stream", func(t *testing.T) {
		src := io.MultiReader(strings.NewReader(sepA+"Subject: a\n\nbody\n\n"+sepB+"Subject: b\n"), iotest.ErrReader(errBoom))
		r, err := NewReader(src)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Next(); err != nil {
			t.Fatalf("first message: %v", err)
		}
		_, err = r.Next()
		if !errors.Is(err, errBoom) {
			t.Fatalf("second message: err = %v, want %v", err, errBoom)
		}
		if _, err2 := r.Next(); !errors.Is(err2, errBoom) {
			t.Errorf("after an error: err = %v, want it again", err2)
		}
	})

	t.Run("read error at once", func(t *testing.T) {
		if _, err := NewReader(iotest.ErrReader(errBoom)); !errors.Is(err, errBoom) {
			t.Errorf("NewReader: err = %v, want %v", err, errBoom)
		}
	})

	t.Run("gzip magic with a broken header", func(t *testing.T) {
		_, err := NewReader(bytes.NewReader([]byte{0x1f, 0x8b, 0, 0, 0}))
		if err == nil || !strings.Contains(err.Error(), "gzip") {
			t.Errorf("NewReader: err = %v, want a gzip error", err)
		}
	})

	t.Run("truncated gzip", func(t *testing.T) {
		z := gzipBytes(t, []byte(strings.Repeat(sepA+"Subject: a\n\nbody\n\n", 1000)))
		r, err := NewReader(bytes.NewReader(z[:len(z)/2]))
		if err != nil {
			t.Fatal(err)
		}
		for {
			_, err = r.Next()
			if err != nil {
				break
			}
		}
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("err = %v, want io.ErrUnexpectedEOF", err)
		}
	})

	t.Run("io.EOF stays", func(t *testing.T) {
		r, err := NewReader(strings.NewReader(sepA))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if _, err := r.Next(); err != io.EOF {
				t.Errorf("err = %v, want io.EOF", err)
			}
		}
	})
}

func TestReaderGzipMultistream(t *testing.T) {
	a := gzipBytes(t, []byte(sepA+"Subject: a\n\n"))
	b := gzipBytes(t, []byte(sepB+"Subject: b\n\n"))
	got := readAll(t, bytes.NewReader(append(a, b...)))
	checkMessages(t, got, []want{
		{raw: "Subject: a\n", from: "alice@example.org", date: dateA, line: 1},
		{raw: "Subject: b\n", from: "bob@example.org", date: dateB, line: 4, offset: int64(len(sepA) + 12)},
	})
}

// readAll reads every message from src, failing the test on an error.
func readAll(t testing.TB, src io.Reader) []*Message {
	t.Helper()
	return readEach(t, src, nil)
}

// readEach reads every message of src, calling after (when not nil) with
// the Reader after each one, so a test can look at what the Reader holds.
func readEach(t testing.TB, src io.Reader, after func(r *Reader, m *Message)) []*Message {
	t.Helper()
	r, err := NewReader(src)
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	var msgs []*Message
	for {
		m, err := r.Next()
		if err == io.EOF {
			return msgs
		}
		if err != nil {
			t.Fatalf("Next after %d messages: %v", len(msgs), err)
		}
		msgs = append(msgs, m)
		if after != nil {
			after(r, m)
		}
	}
}

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// checkAccounting checks that msgs account for every byte of input: the
// stretch from one message's Offset to the next one's is its separator line
// (if it had one), then its Raw bytes with one ">" put back on each
// unquoted line, then at most one empty line. Before the first message
// there may be only empty lines or a byte order mark. Line numbers must
// match the offsets. This is the fuzz target's invariant too.
func checkAccounting(t testing.TB, input []byte, msgs []*Message) {
	t.Helper()
	if len(msgs) == 0 {
		if !onlyEmptyLines(input) {
			t.Fatalf("no messages from %q", input)
		}
		return
	}
	prefix := input[:msgs[0].Offset]
	if !bytes.Equal(prefix, utf8BOM) && !onlyEmptyLines(prefix) {
		t.Fatalf("bytes before the first message are not empty lines: %q", prefix)
	}
	lineNo, counted := 1, int64(0) // line number at offset counted
	for i, m := range msgs {
		end := int64(len(input))
		if i+1 < len(msgs) {
			end = msgs[i+1].Offset
		}
		if m.Offset < counted || m.Offset > end {
			t.Fatalf("message %d: Offset %d out of order (previous %d, next %d)", i, m.Offset, counted, end)
		}
		lineNo += bytes.Count(input[counted:m.Offset], []byte("\n"))
		counted = m.Offset
		if want := lineNo; m.Line != want {
			t.Fatalf("message %d: Line = %d, want %d for offset %d", i, m.Line, want, m.Offset)
		}
		seg := input[m.Offset:end]
		if !strings.Contains(m.Malformed, warnNoSeparator) {
			if !bytes.HasPrefix(seg, fromPrefix) {
				t.Fatalf("message %d: no separator at offset %d: %q", i, m.Offset, seg[:min(len(seg), 40)])
			}
			nl := bytes.IndexByte(seg, '\n')
			if nl < 0 {
				nl = len(seg) - 1
			}
			seg = seg[nl+1:]
		}
		quoted := requote(m.Raw, seg)
		rest, ok := bytes.CutPrefix(seg, quoted)
		if !ok || (len(rest) > 0 && !isBlank(rest)) || (len(rest) > 0 && len(m.Raw) > 0 && m.Raw[len(m.Raw)-1] != '\n') {
			t.Fatalf("message %d: Raw %q does not account for %q", i, m.Raw, seg)
		}
		if len(rest) == 0 && lastLineBlank(seg) {
			t.Fatalf("message %d: the format's empty line was kept: %q", i, m.Raw)
		}
	}
}

// requote rebuilds the stored form of raw, using the stored segment to
// tell which lines had lost a ">": unquoting is many-to-one only across
// files, not within one, so the stored line is the witness.
func requote(raw, seg []byte) []byte {
	var out []byte
	for len(raw) > 0 {
		ln := raw
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			ln = raw[:i+1]
		}
		raw = raw[len(ln):]
		if needsQuote(ln) {
			// A ">+From " line was stored with one more ">"; a
			// "From " line either was too or was stored as it is (an
			// unquoted body line that was no separator).
			q := append([]byte(">"), ln...)
			if ln[0] == '>' || bytes.HasPrefix(seg[len(out):], q) {
				out = append(out, q...)
				continue
			}
		}
		out = append(out, ln...)
	}
	return out
}

func onlyEmptyLines(b []byte) bool {
	for len(b) > 0 {
		switch {
		case b[0] == '\n':
			b = b[1:]
		case len(b) >= 2 && b[0] == '\r' && b[1] == '\n':
			b = b[2:]
		default:
			return false
		}
	}
	return true
}

func lastLineBlank(raw []byte) bool {
	if len(raw) == 0 {
		return false
	}
	i := bytes.LastIndexByte(raw[:len(raw)-1], '\n')
	return isBlank(raw[i+1:])
}

// checkRoundTrip writes msgs with a Writer, reads the result back, and
// checks that every message comes back with the same Raw bytes (plus the
// newline the Writer adds to a message without one), sender and date, and
// with no warnings.
func checkRoundTrip(t testing.TB, msgs []*Message) {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for _, m := range msgs {
		if err := w.Write(m.From, m.Date, m.Raw); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	again := readAll(t, bytes.NewReader(buf.Bytes()))
	if len(again) != len(msgs) {
		t.Fatalf("round trip: %d messages became %d:\n%q", len(msgs), len(again), buf.Bytes())
	}
	for i, m := range msgs {
		a := again[i]
		wantRaw := m.Raw
		if len(wantRaw) > 0 && wantRaw[len(wantRaw)-1] != '\n' {
			wantRaw = append(bytes.Clone(wantRaw), lineEnding(wantRaw)...)
		}
		if !bytes.Equal(a.Raw, wantRaw) {
			t.Fatalf("round trip, message %d: Raw = %q, want %q", i, a.Raw, wantRaw)
		}
		if a.From != m.From {
			t.Errorf("round trip, message %d: From = %q, want %q", i, a.From, m.From)
		}
		if y := m.Date.Year(); !m.Date.IsZero() && y >= 1 && y <= 9999 && !a.Date.Equal(m.Date) {
			t.Errorf("round trip, message %d: Date = %v, want %v", i, a.Date, m.Date)
		}
		if a.Malformed != "" {
			t.Errorf("round trip, message %d: Malformed = %q", i, a.Malformed)
		}
	}
}
