package query

import (
	"bufio"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

// fixedNow is the clock for relative dates in the tests.
var fixedNow = time.Date(2026, 3, 15, 10, 30, 0, 0, time.UTC)

func testOptions() Options {
	return Options{Now: func() time.Time { return fixedNow }}
}

// free renders what a word or phrase without a prefix becomes.
func free(v string) string {
	parts := make([]string, len(freeFields))
	for i, f := range freeFields {
		parts[i] = f + ":" + v
	}
	return "OR(" + strings.Join(parts, ",") + ")"
}

func TestParse(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		// Free words and phrases.
		{"uhd", free("uhd")},
		{"  uhd  ", free("uhd")},
		{`"sample rate"`, free(`"sample rate"`)},
		{"set_thread_priority_safe", free("set_thread_priority_safe")},
		{"x-310", free("x-310")},
		{"--verbose", free("--verbose")},
		{"std::vector", free("std::vector")},
		{"https://example.org/a", free("https://example.org/a")},
		{"12:30", free("12:30")},
		{"Re: overflow", "AND(" + free("Re:") + "," + free("overflow") + ")"},
		{"a - b", "AND(" + free("a") + "," + free("b") + ")"},
		{"a and b", "AND(" + free("a") + "," + free("and") + "," + free("b") + ")"},
		{"foo(bar)", "AND(" + free("foo") + "," + free("bar") + ")"},
		{`say"hi"`, "AND(" + free("say") + "," + free(`"hi"`) + ")"},
		{`a "--" b`, "AND(" + free("a") + "," + free("b") + ")"},
		{"why?", free("why?")},
		{"~/bin", free("~/bin")},

		// Prefixes.
		{"s:uhd", "subject:uhd"},
		{"S:uhd", "subject:uhd"},
		{`s:"sample rate"`, `subject:"sample rate"`},
		{"s:foo:bar", "subject:foo:bar"},
		{"b:rfnoc", "body:rfnoc"},
		{"nq:rfnoc", "body:rfnoc"},
		{"q:rfnoc", "quoted:rfnoc"},
		{`bs:"time source"`, `OR(subject:"time source",body:"time source")`},
		{"f:marcus", "from:marcus"},
		{`f:"Marcus Leech"`, `from:"Marcus Leech"`},
		{"f:Bob@Example.com", `OR(from_addr=bob@example.com,from:"Bob@Example.com")`},
		{"f:<bob@example.com>", `OR(from_addr=bob@example.com,from:"bob@example.com")`},
		{`f:"bob@example.com"`, `OR(from_addr=bob@example.com,from:"bob@example.com")`},
		{"t:alice", "to:alice"},
		{"c:alice", "to:alice"},
		{"tc:alice", "to:alice"},
		{"t:alice@example.org", `to:"alice@example.org"`},
		{"a:ettus.com", "OR(from:ettus.com,to:ettus.com)"},
		{"a:bob@x.org", `OR(from_addr=bob@x.org,from:"bob@x.org",to:"bob@x.org")`},
		{"m:<1234@example.org>", "message_id=1234@example.org"},
		{"m:a*b~2@x", "message_id=a*b~2@x"},
		{`m:"1234@example.org"`, "message_id=1234@example.org"},
		{"has:attachment", "has_attachment=true"},
		{"has:Attachments", "has_attachment=true"},

		// Dates: every span is [start, end) in UTC.
		{"d:2026-01-01..2026-03-31", "date:[2026-01-01,2026-04-01)"},
		{"d:2026-01-01..", "date:[2026-01-01,*)"},
		{"d:..2026-03-31", "date:[*,2026-04-01)"},
		{"d:2026-01-01", "date:[2026-01-01,2026-01-02)"},
		{"d:20260101", "date:[2026-01-01,2026-01-02)"},
		{"d:20260101..20260102", "date:[2026-01-01,2026-01-03)"},
		{"d:2026-01-01..2026-01-01", "date:[2026-01-01,2026-01-02)"},
		{"d:2026-01", "date:[2026-01-01,2026-02-01)"},
		{"d:202602", "date:[2026-02-01,2026-03-01)"},
		{"d:2026-01..2026-02", "date:[2026-01-01,2026-03-01)"},
		{"d:2026", "date:[2026-01-01,2027-01-01)"},
		{"d:2024-02-29", "date:[2024-02-29,2024-03-01)"},
		{`d:"2026-01-01"`, "date:[2026-01-01,2026-01-02)"},
		{"d:today", "date:[2026-03-15,2026-03-16)"},
		{"d:yesterday", "date:[2026-03-14,2026-03-15)"},
		{"d:2.weeks.ago..", "date:[2026-03-01,*)"},
		{"d:1.month.ago..yesterday", "date:[2026-02-15,2026-03-15)"},
		{"d:3.days.ago", "date:[2026-03-12,2026-03-13)"},
		{"d:1.year.ago..", "date:[2025-03-15,*)"},

		// Wildcards and fuzzy words.
		{"synchron*", free("synchron*")},
		{"Synch*", free("synch*")},
		{"s:fpg*", "subject:fpg*"},
		{"f:marc*", "from:marc*"},
		{"overfow~", free("overfow~1")},
		{"overfow~1", free("overfow~1")},
		{"s:overfow~2", "subject:overfow~2"},
		{"foo~0", free("foo")},

		// Boolean structure: NOT > AND > OR, side by side is AND.
		{"a b", "AND(" + free("a") + "," + free("b") + ")"},
		{"a AND b", "AND(" + free("a") + "," + free("b") + ")"},
		{"+a +b", "AND(" + free("a") + "," + free("b") + ")"},
		{"a OR b", "OR(" + free("a") + "," + free("b") + ")"},
		{"a b OR c", "OR(AND(" + free("a") + "," + free("b") + ")," + free("c") + ")"},
		{"a OR b c", "OR(" + free("a") + ",AND(" + free("b") + "," + free("c") + "))"},
		{"a OR b AND c", "OR(" + free("a") + ",AND(" + free("b") + "," + free("c") + "))"},
		{"a NOT b", "AND(" + free("a") + ",NOT(" + free("b") + "))"},
		{"NOT a b", "AND(" + free("b") + ",NOT(" + free("a") + "))"},
		{"a AND NOT b", "AND(" + free("a") + ",NOT(" + free("b") + "))"},
		{"a -b -c", "AND(" + free("a") + ",NOT(" + free("b") + "),NOT(" + free("c") + "))"},
		{"-a", "AND(ALL,NOT(" + free("a") + "))"},
		{"NOT a", "AND(ALL,NOT(" + free("a") + "))"},
		{"-f:x", "AND(ALL,NOT(from:x))"},
		{"-has:attachment", "AND(ALL,NOT(has_attachment=true))"},
		{`-"a b"`, "AND(ALL,NOT(" + free(`"a b"`) + "))"},
		{"-a -b", "AND(ALL,NOT(" + free("a") + "),NOT(" + free("b") + "))"},
		{"NOT NOT a", free("a")},
		{"-(-a)", free("a")},
		{"-(a OR b)", "AND(ALL,NOT(OR(" + free("a") + "," + free("b") + ")))"},
		{"a OR -b", "OR(" + free("a") + ",AND(ALL,NOT(" + free("b") + ")))"},
		{"(a OR b) c", "AND(OR(" + free("a") + "," + free("b") + ")," + free("c") + ")"},
		{"((a))", free("a")},
		{"a (b (c OR d))", "AND(" + free("a") + "," + free("b") + ",OR(" + free("c") + "," + free("d") + "))"},
		{"a (b -c)", "AND(" + free("a") + "," + free("b") + ",NOT(" + free("c") + "))"},
		{"a OR (b OR c)", "OR(" + free("a") + "," + free("b") + "," + free("c") + ")"},
		{"s:fpga f:bob d:2026", "AND(subject:fpga,from:bob,date:[2026-01-01,2027-01-01))"},
	}
	for _, tt := range tests {
		q, err := Parse(tt.in, testOptions())
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got := String(q); got != tt.want {
			t.Errorf("Parse(%q)\n got %s\nwant %s", tt.in, got, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	deep := strings.Repeat("(", maxDepth+1) + "a" + strings.Repeat(")", maxDepth+1)
	var many []string
	for i := 0; i < DefaultMaxTerms+1; i++ {
		many = append(many, "w")
	}
	tests := []struct {
		in       string
		maxTerms int
		offset   int
		msg      string // a part of the message
	}{
		{"", 0, 0, "empty"},
		{" \t ", 0, 0, "empty"},
		{"--- &&", 0, 0, "no letters or digits"},
		{"*foo", 0, 0, "cannot start with the wildcard"},
		{"s:*foo", 0, 2, "cannot start with the wildcard"},
		{"fo*o", 0, 2, "only at the end"},
		{"ab*", 0, 0, "at least 3 letters"},
		{"/re/", 0, 0, "regular expressions"},
		{"b:/a.*b/", 0, 2, "regular expressions"},
		{"foo~5", 0, 3, "at most 2 edits"},
		{"x foo~10", 0, 5, "at most 2 edits"},
		{`"a b"~2`, 0, 5, "phrases cannot take ~"},
		{"(a b", 0, 0, "( is never closed"},
		{"x (a (b)", 0, 2, "( is never closed"},
		{"a b)", 0, 3, ") has no ("},
		{")", 0, 0, ") has no ("},
		{"()", 0, 0, "parentheses are empty"},
		{`"abc`, 0, 0, "quote is never closed"},
		{`x s:"abc`, 0, 4, "quote is never closed"},
		{"z:foo", 0, 0, `unknown prefix "z:"`},
		{`x z:"foo"`, 0, 2, `unknown prefix "z:"`},
		{"subject:foo", 0, 0, "s: (subject)"},
		{"s:", 0, 0, "s: needs a word"},
		{"s: foo", 0, 0, "s: needs a word"},
		{"s:(a b)", 0, 0, "s: needs a word"},
		{"s:--", 0, 0, "letters or digits"},
		{`s:""`, 0, 0, "letters or digits"},
		{"has:pdf", 0, 4, "has: knows only has:attachment"},
		{"m:<>", 0, 0, "m: needs a Message-ID"},
		{"d:2026-13-01", 0, 2, `cannot read "2026-13-01"`},
		{"d:2026-02-30", 0, 2, "cannot read"},
		{"d:..foo", 0, 4, `cannot read "foo"`},
		{"d:2026-01-01..junk", 0, 14, `cannot read "junk"`},
		{"d:..", 0, 2, "at least one side"},
		{"d:2026-03-01..2026-01-01", 0, 2, "starts (2026-03-01) after it ends (2026-01-01)"},
		{"d:2026-03..2026-02", 0, 2, "after it ends"},
		{"d:1600", 0, 2, "outside the years"},
		{"d:99999.years.ago", 0, 2, "outside the years"},
		{"d:999999.days.ago", 0, 2, "cannot read"},
		{"d:3.fortnights.ago", 0, 2, "cannot read"},
		{"d:2026-01-01T10:00", 0, 2, "cannot read"},
		{"d:*", 0, 2, "cannot read"},
		{"AND a", 0, 0, "AND needs a term before"},
		{"OR a", 0, 0, "OR needs a term before"},
		{"a AND", 0, 2, "AND needs a term after"},
		{"a OR", 0, 2, "OR needs a term after"},
		{"a OR OR b", 0, 2, "OR needs a term after"},
		{"a AND OR b", 0, 2, "AND needs a term after"},
		{"(a OR) b", 0, 3, "OR needs a term after"},
		{"NOT", 0, 0, "NOT needs a term"},
		{"a NOT", 0, 2, "NOT needs a term"},
		{"-AND a", 0, 0, "- needs a term"},
		{"+OR", 0, 0, "+ needs a term"},
		{"a b c", 2, 4, "more than 2 terms"},
		{strings.Join(many, " "), 0, 2 * DefaultMaxTerms, "more than 64 terms"},
		{deep, 0, maxDepth, "nest deeper"},
	}
	for _, tt := range tests {
		opts := testOptions()
		opts.MaxTerms = tt.maxTerms
		q, err := Parse(tt.in, opts)
		if err == nil {
			t.Errorf("Parse(%q) = %s, want an error", tt.in, String(q))
			continue
		}
		var perr *Error
		if !errors.As(err, &perr) {
			t.Errorf("Parse(%q) error %T, want *Error", tt.in, err)
			continue
		}
		if perr.Offset != tt.offset || !strings.Contains(perr.Msg, tt.msg) {
			t.Errorf("Parse(%q)\n got offset %d %q\nwant offset %d, message containing %q", tt.in, perr.Offset, perr.Msg, tt.offset, tt.msg)
		}
	}
}

func TestMaxTermsBoundary(t *testing.T) {
	words := strings.TrimSpace(strings.Repeat("w ", DefaultMaxTerms))
	if _, err := Parse(words, Options{}); err != nil {
		t.Errorf("%d terms: %v, want them accepted", DefaultMaxTerms, err)
	}
}

// A pasted page of text in quotes counts as one term, but each of its
// words is a searcher on every field and Bleve checks their positions in
// every post that holds them all: seconds of CPU for anyone. Parse
// refuses it, and a query of many long terms, with an error that says so.
func TestQueryCostBounds(t *testing.T) {
	words := func(n int) string { return strings.TrimSpace(strings.Repeat("lathe ", n)) }
	tests := []struct {
		in  string
		msg string // "" for accepted
	}{
		{`"` + words(DefaultMaxPhraseWords) + `"`, ""},
		{`"` + words(DefaultMaxPhraseWords+1) + `"`, "this phrase has 33 words, more than 32"},
		{`"` + words(6000) + `"`, "more than 32"},
		{`b:"` + words(6000) + `"`, "more than 32"},
		{strings.Repeat("x-", 40) + "x", "this word has 41 words"},
		{strings.Repeat(`"`+words(30)+`" `, 4), ""},
		{strings.Repeat(`"`+words(30)+`" `, 5), "more than 128 words"},
	}
	for _, tt := range tests {
		q, err := Parse(tt.in, Options{})
		if tt.msg == "" {
			if err != nil {
				t.Errorf("Parse(%.40q…): %v, want it accepted", tt.in, err)
			}
			continue
		}
		var perr *Error
		if !errors.As(err, &perr) || !strings.Contains(perr.Msg, tt.msg) {
			t.Errorf("Parse(%.40q…) = %s, %v; want an *Error saying %q", tt.in, String(q), err, tt.msg)
		}
	}
}

func TestErrorString(t *testing.T) {
	_, err := Parse("z:foo", Options{})
	got := err.Error()
	if !strings.HasPrefix(got, `query: unknown prefix "z:"`) || !strings.HasSuffix(got, "(at byte 0)") {
		t.Errorf("Error() = %q", got)
	}
}

func TestDefaultNow(t *testing.T) {
	// Without Options.Now relative dates use the real clock.
	q, err := Parse("d:today", Options{})
	if err != nil {
		t.Fatal(err)
	}
	today := time.Now().UTC().Format("2006-01-02")
	if got := String(q); !strings.HasPrefix(got, "date:["+today) && !strings.HasPrefix(got, "date:["+time.Now().UTC().AddDate(0, 0, -1).Format("2006-01-02")) {
		t.Errorf("d:today = %s, want a span starting %s", got, today)
	}
}

func TestScoped(t *testing.T) {
	q, err := Parse("s:uhd", Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		lists []string
		want  string
	}{
		{[]string{"cop"}, "AND(list=cop,subject:uhd)"},
		{[]string{"cop", "dev"}, "AND(OR(list=cop,list=dev),subject:uhd)"},
		{nil, "NONE"},
	}
	for _, tt := range tests {
		if got := String(Scoped(q, tt.lists...)); got != tt.want {
			t.Errorf("Scoped(%v) = %s, want %s", tt.lists, got, tt.want)
		}
	}
	if got, want := String(Scoped(nil, "cop")), "list=cop"; got != want {
		t.Errorf("Scoped(nil) = %s, want %s", got, want)
	}
}

// benchQueries reads column 2 of the shared benchmark's query list.
func benchQueries(tb testing.TB) []string {
	f, err := os.Open("../../../shared/bench/queries.tsv")
	if errors.Is(err, os.ErrNotExist) {
		tb.Skip("queries.tsv is not there")
	}
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var qs []string
	sc := bufio.NewScanner(f)
	for first := true; sc.Scan(); first = false {
		if first || strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 2 {
			tb.Fatalf("queries.tsv line %q has no second column", sc.Text())
		}
		qs = append(qs, cols[1])
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return qs
}

func TestBenchQueries(t *testing.T) {
	qs := benchQueries(t)
	if len(qs) == 0 {
		t.Fatal("queries.tsv holds no queries")
	}
	for _, in := range qs {
		q, err := Parse(in, testOptions())
		if err != nil {
			t.Errorf("Parse(%q): %v", in, err)
			continue
		}
		t.Logf("%-40s %s", in, String(q))
	}
}
