package archive

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// TestSplitQuotedReadsLinesAsAScanner: splitQuoted parts every post of
// the usrp archive, every message of the other corpora and texts made
// for the edges (no newline at the end, CR before LF, lone CRs, a
// signature line, quote marks only) exactly as the line scanner it
// replaced did.
func TestSplitQuotedReadsLinesAsAScanner(t *testing.T) {
	same := func(what string, text []byte) {
		t.Helper()
		if len(text) > maxText {
			text = text[:maxText]
		}
		wantOwn, wantQuoted := scannedQuoted(text)
		if own, quoted := splitQuoted(text); own != wantOwn || quoted != wantQuoted {
			t.Fatalf("%s (%.80q): own %.80q quoted %.80q, want %.80q and %.80q", what, text, own, quoted, wantOwn, wantQuoted)
		}
	}
	for i, text := range []string{
		"", "\n", "\n\n", "a", "a\n", "a\r\n", "a\r\r\n", "a\rb\n", "> q\nown\n>> qq\n> \n>\n",
		"own\n-- \nsig\n", "own\n--\nnot a sig\n", "-- ", "x\r\n-- \r\ny", ">no space\n > not a quote\n",
		strings.Repeat("long line ", 30000) + "\nend",
	} {
		same(fmt.Sprintf("made text %d", i), []byte(text))
	}
	// Then the corpora (the test is skipped here without them).
	for i, raw := range corporaMessages(t) {
		same(fmt.Sprintf("corpus message %d", i), raw)
	}
}

// scannedQuoted is how textOf read the lines before splitQuoted: a
// bufio.Scanner's lines.
func scannedQuoted(text []byte) (own, quoted string) {
	var o, q strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(text))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "-- " {
			break
		}
		if strings.HasPrefix(line, ">") {
			q.WriteString(strings.TrimLeft(line, "> ") + "\n")
		} else {
			o.WriteString(line + "\n")
		}
	}
	return o.String(), q.String()
}
