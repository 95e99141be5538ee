package digest

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message"
)

var testEnvelope = Envelope{
	From:              FormatAddress("CoP", "cop-request@example.org"),
	To:                "zoe@example.net",
	ListID:            "CoP <cop.example.org>",
	Unsubscribe:       "https://lists.example.org/l/cop@example.org/unsubscribe/TOKEN",
	UnsubscribeMailto: "cop-leave@example.org",
	ListArchive:       "https://lists.example.org/l/cop@example.org/",
	Date:              time.Date(2021, 4, 19, 6, 0, 0, 0, time.UTC),
}

func TestCompose(t *testing.T) {
	s := Summarize(syntheticPeriod(), Options{BaseURL: "https://lists.example.org"})
	raw, err := Compose(s, testEnvelope)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Compose(s, testEnvelope)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, again) {
		t.Error("composing the same summary twice gave different bytes")
	}
	ent, err := message.Read(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	h := ent.Header
	for field, want := range map[string]string{
		"Subject":               "[cop] What the community learned, week of 2021-04-12",
		"From":                  `"CoP" <cop-request@example.org>`,
		"To":                    "<zoe@example.net>",
		"Date":                  "Mon, 19 Apr 2021 06:00:00 +0000",
		"List-Id":               "CoP <cop.example.org>",
		"List-Unsubscribe":      "<https://lists.example.org/l/cop@example.org/unsubscribe/TOKEN>, <mailto:cop-leave@example.org>",
		"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
		"List-Archive":          "<https://lists.example.org/l/cop@example.org/>",
		"Precedence":            "list",
		"Auto-Submitted":        "auto-generated",
		"Mime-Version":          "1.0",
	} {
		if got := h.Get(field); got != want {
			t.Errorf("%s: %q, want %q", field, got, want)
		}
	}
	if id := h.Get("Message-Id"); !strings.HasPrefix(id, "<summary.20210419T060000.") || !strings.HasSuffix(id, "@example.org>") {
		t.Errorf("Message-Id = %q", id)
	}
	mt, params, _ := h.ContentType()
	if mt != "multipart/alternative" || !strings.HasPrefix(params["boundary"], "=_praxis_") {
		t.Fatalf("Content-Type = %s %v", mt, params)
	}
	mr := ent.MultipartReader()
	var types []string
	var text string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		pt, _, _ := p.Header.ContentType()
		types = append(types, pt)
		b, _ := io.ReadAll(p.Body)
		if pt == "text/plain" {
			text = string(b)
		}
		if pt == "text/html" {
			checkSafeHTML(t, string(b))
		}
	}
	if strings.Join(types, ",") != "text/plain,text/html" {
		t.Errorf("parts = %v", types)
	}
	if !strings.Contains(text, "Change or stop these summaries: https://lists.example.org/l/cop@example.org/unsubscribe/TOKEN") {
		t.Errorf("the text part lacks the unsubscribe link:\n%s", text)
	}
	// RFC 5322 §2.1.1: no line over 998 octets; every line ends CRLF.
	for _, l := range bytes.Split(raw, []byte("\r\n")) {
		if len(l) > 998 || bytes.IndexByte(l, '\n') >= 0 {
			t.Fatalf("bad line %q", l[:min(len(l), 80)])
		}
	}
}

func TestComposeNeedsAddresses(t *testing.T) {
	s := Summarize(syntheticPeriod(), Options{})
	if _, err := Compose(s, Envelope{To: "zoe@example.net"}); err == nil {
		t.Error("Compose without From succeeded")
	}
}

func TestSubject(t *testing.T) {
	s := &Summary{List: List{Name: "USRP-users"}, Start: week0, End: week0.AddDate(0, 0, 7)}
	if got := Subject(s); got != "[USRP-users] What the community learned, week of 2021-04-12" {
		t.Errorf("week: %q", got)
	}
	s.End = week0.AddDate(0, 0, 1)
	if got := Subject(s); got != "[USRP-users] What the community learned on 2021-04-12" {
		t.Errorf("day: %q", got)
	}
}
