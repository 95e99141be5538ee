package imapview

import (
	"bytes"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/backend/backendutil"

	"praxis/listserv/mailmsg"
	"praxis/listserv/store"
)

func TestToCRLF(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"a\nb\n", "a\r\nb\r\n"},
		{"a\r\nb\r\n", "a\r\nb\r\n"},
		{"\n\n", "\r\n\r\n"},
		{"a\rb\n", "a\rb\r\n"}, // a bare CR stays
		{"mixed\r\nand\nlf", "mixed\r\nand\r\nlf"},
	} {
		if got := string(toCRLF([]byte(tc.in))); got != tc.want {
			t.Errorf("toCRLF(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzToCRLF(f *testing.F) {
	for _, s := range []string{"", "a\nb", "\r\n\n\r", "\r\r\n\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out := toCRLF(in)
		for i, c := range out {
			if c == '\n' && (i == 0 || out[i-1] != '\r') {
				t.Fatalf("bare LF at %d in %q", i, out)
			}
		}
		// Only CRs before bare LFs were added.
		if len(out)-len(in) != bytes.Count(in, []byte("\n"))-bytes.Count(in, []byte("\r\n")) {
			t.Fatalf("%q became %q", in, out)
		}
	})
}

func TestLiteralLength(t *testing.T) {
	for _, tc := range []struct {
		line string
		want int
		more bool
	}{
		{"a1 SEARCH SUBJECT {5}\r", 5, true},
		{"a1 SEARCH SUBJECT {5+}\r", 5, true},
		{"a1 SEARCH SUBJECT {5}", 5, true},
		{"{0}\r", 0, true}, // an empty literal: the command goes on
		{"a1 NOOP\r", 0, false},
		{"a1 SEARCH {x}\r", 0, false},
		{"a1 SEARCH {-1}\r", 0, false},
		{"a1 SEARCH {99999999}\r", 0, false}, // over the limit: go-imap refuses it, so it is no literal
		{"}\r", 0, false},
	} {
		if got, more := literalLength([]byte(tc.line), 1000); got != tc.want || more != tc.more {
			t.Errorf("literalLength(%q) = %d, %v, want %d, %v", tc.line, got, more, tc.want, tc.more)
		}
	}
}

func FuzzLiteralLength(f *testing.F) {
	for _, s := range []string{"{5}\r", "{5+}", "{}", "{+}\r", "x {12}\r"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		n, more := literalLength(line, 1000)
		if n < 0 || n > 1000 || (n > 0 && !more) {
			t.Fatalf("literalLength(%q) = %d", line, n)
		}
		if n > 0 {
			s := strings.TrimSuffix(string(line), "\r")
			if !strings.HasSuffix(s, "{"+strconv.Itoa(n)+"}") && !strings.HasSuffix(s, "{"+strconv.Itoa(n)+"+}") &&
				!strings.HasSuffix(s, "}") {
				t.Fatalf("literalLength(%q) = %d", line, n)
			}
		}
	})
}

func TestSpans(t *testing.T) {
	for _, tc := range []struct {
		set  string
		star int64
		want []span
	}{
		{"1:*", 10, []span{{1, 10}}},
		{"5:3,1", 10, []span{{1, 1}, {3, 5}}},
		{"*", 7, []span{{7, 7}}},
		{"20:*", 7, []span{{7, 20}}},
		{"1,2,3,7:8,4", 10, []span{{1, 4}, {7, 8}}},
		{"1:*", 0, nil},
	} {
		set, err := imap.ParseSeqSet(tc.set)
		if err != nil {
			t.Fatal(err)
		}
		if got := spans(set, tc.star); !slices.Equal(got, tc.want) {
			t.Errorf("spans(%s, *=%d) = %v, want %v", tc.set, tc.star, got, tc.want)
		}
	}
}

func TestPartial(t *testing.T) {
	b := []byte("0123456789")
	for _, tc := range []struct {
		p    []int
		want string
	}{
		{nil, "0123456789"},
		{[]int{2, 3}, "234"},
		{[]int{8, 5}, "89"},
		{[]int{10, 1}, ""},
		{[]int{11, 1}, ""},
		{[]int{-1, 3}, ""},
		{[]int{3}, "3456789"},
	} {
		if got := string(partial(b, tc.p)); got != tc.want {
			t.Errorf("partial(%v) = %q, want %q", tc.p, got, tc.want)
		}
	}
}

// TestMalformedMessages: a post whose header or MIME does not parse is
// still served: its bytes, a text/plain structure, an envelope.
func TestMalformedMessages(t *testing.T) {
	for _, raw := range []string{
		"no header at all",
		"Subject: x\r\nbroken header line\r\n\r\nbody\r\n",
		"Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nunterminated",
		"From: <<<@@@>>>\r\nTo: ,,,\r\n\r\nx\r\n",
		"",
	} {
		b := toCRLF([]byte(raw))
		if env := envelope(b); env == nil {
			t.Errorf("%q: no envelope", raw)
		}
		if bs := bodyStructure(b, true); bs == nil {
			t.Errorf("%q: no body structure", raw)
		}
		for _, item := range []string{"BODY[]", "BODY[HEADER]", "BODY[TEXT]", "BODY[1]", "BODY[1.2.3]", "BODY[HEADER.FIELDS (FROM)]", "BODY[1.MIME]"} {
			s, err := imap.ParseBodySectionName(imap.FetchItem(item))
			if err != nil {
				t.Fatal(err)
			}
			bodySection(b, s)
		}
	}
}

// FuzzHeaderSections: header items answered from the header block alone
// equal what the whole post gives, and mailmsg.CRLFSize (RFC822.SIZE)
// is toCRLF's length.
func FuzzHeaderSections(f *testing.F) {
	for _, s := range []string{"Subject: x\nFrom: a@b\n\nbody\n", "\n\nx", "Subject: y\r\n\r\n", "no header", "A: b\n c\n\nd\n\ne", "\r\n", ""} {
		f.Add([]byte(s))
	}
	var secs []*imap.BodySectionName
	for _, item := range []string{"BODY[HEADER]", "BODY[HEADER.FIELDS (SUBJECT FROM)]", "BODY[HEADER.FIELDS.NOT (SUBJECT)]", "BODY[HEADER]<2.5>"} {
		s, err := imap.ParseBodySectionName(imap.FetchItem(item))
		if err != nil {
			f.Fatal(err)
		}
		secs = append(secs, s)
	}
	read := func(l imap.Literal) string { b := new(bytes.Buffer); b.ReadFrom(l); return b.String() }
	f.Fuzz(func(t *testing.T, stored []byte) {
		whole, head := toCRLF(stored), toCRLF(store.HeaderBlock(stored))
		if mailmsg.CRLFSize(stored) != len(whole) {
			t.Fatalf("CRLFSize %d, toCRLF %d", mailmsg.CRLFSize(stored), len(whole))
		}
		for _, s := range secs {
			if a, b := read(bodySection(whole, s)), read(bodySection(head, s)); a != b {
				t.Fatalf("%v of %q: whole %q, header block %q", s.FetchItem(), stored, a, b)
			}
		}
		if a, b := envelope(whole), envelope(head); a.Subject != b.Subject || a.MessageId != b.MessageId || len(a.From) != len(b.From) {
			t.Fatalf("envelope of %q: whole %+v, header block %+v", stored, a, b)
		}
	})
}

func TestHeaderOf(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"A: 1\r\nB: 2\r\n\r\nbody\r\n", "A: 1\r\nB: 2\r\n\r\n"},
		{"A: 1\r\n folded\r\n\r\n", "A: 1\r\n folded\r\n\r\n"},
		{"A: 1\r\n", "A: 1\r\n\r\n"}, // all header, no empty line
		{"A: 1", "A: 1\r\n\r\n"},     // nor a last CRLF
		{"\r\nbody\r\n", "\r\n"},     // no header at all
		{"", "\r\n"},
	} {
		if got := string(headerOf([]byte(tc.in))); got != tc.want {
			t.Errorf("headerOf(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestHeaderOfAsLibrary holds BODY[HEADER]'s fast path to what go-imap's
// backendutil answers, on every usrp post and tricky message that it parses.
func TestHeaderOfAsLibrary(t *testing.T) {
	if testing.Short() {
		t.Skip("reads the usrp archive")
	}
	s := &imap.BodySectionName{BodyPartName: imap.BodyPartName{Specifier: imap.HeaderSpecifier}}
	n := 0
	for _, raw := range usrpRaws(t) {
		raw = toCRLF(raw)
		h, body, ok := split(raw)
		if !ok {
			continue
		}
		l, err := backendutil.FetchBodySection(h, body, s)
		if err != nil {
			continue
		}
		want, _ := io.ReadAll(l)
		if got := headerOf(raw); !bytes.Equal(got, want) {
			t.Fatalf("post %d: BODY[HEADER] = %q, library %q", n, got, want)
		}
		n++
	}
	if n < 3000 {
		t.Fatalf("compared %d posts, want the whole archive", n)
	}
}
