package query

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/standard"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/mapping"
	bquery "github.com/blevesearch/bleve/v2/search/query"
)

// testMapping maps the fields the way the archive index is meant to: the
// English analyser (stop words, stemming) for prose, the standard one for
// names, addresses and file names, keyword for ids.
func testMapping() *mapping.IndexMappingImpl {
	text := func(analyzer string) *mapping.FieldMapping {
		m := bleve.NewTextFieldMapping()
		m.Analyzer = analyzer
		return m
	}
	kw := func() *mapping.FieldMapping {
		m := bleve.NewKeywordFieldMapping()
		m.Analyzer = keyword.Name
		return m
	}
	doc := bleve.NewDocumentStaticMapping()
	doc.AddFieldMappingsAt(FieldList, kw())
	doc.AddFieldMappingsAt(FieldMessageID, kw())
	doc.AddFieldMappingsAt(FieldThread, kw())
	doc.AddFieldMappingsAt(FieldFromAddr, kw())
	doc.AddFieldMappingsAt(FieldSubject, text(en.AnalyzerName))
	doc.AddFieldMappingsAt(FieldBody, text(en.AnalyzerName))
	doc.AddFieldMappingsAt(FieldQuoted, text(en.AnalyzerName))
	doc.AddFieldMappingsAt(FieldFrom, text(standard.Name))
	doc.AddFieldMappingsAt(FieldTo, text(standard.Name))
	doc.AddFieldMappingsAt(FieldAttachment, text(standard.Name))
	doc.AddFieldMappingsAt(FieldDate, bleve.NewDateTimeFieldMapping())
	doc.AddFieldMappingsAt(FieldHasAttachment, bleve.NewBooleanFieldMapping())
	m := bleve.NewIndexMapping()
	m.DefaultMapping = doc
	return m
}

type testPost struct {
	id, list, subject, from, to, body, quoted, attachment string
	date                                                  time.Time
}

func day(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// testPosts sit on the edges the tests probe: m1 at the start of the
// first day of a range, m3 in the last second of its last day, m4 on the
// first instant after it, m5 on the last instant before it.
var testPosts = []testPost{
	{id: "m1", list: "cop", subject: "B200 overflow at high sample rate",
		from: "Marcus Leech <mleech@ettus.com>", to: "usrp-users@lists.ettus.com",
		body: "I see overflows when the sample rate goes above 30 Msps.", date: day("2026-01-01T00:00:00Z")},
	{id: "m2", list: "cop", subject: "Re: B200 overflow at high sample rate",
		from: "Alice Smith <alice@example.org>", to: "usrp-users@lists.ettus.com, Marcus Leech <mleech@ettus.com>",
		body: "Try a lower rate, and check the USB cable.", quoted: "I see overflows when the sample rate goes above 30 Msps.",
		date: day("2026-01-15T12:00:00Z")},
	{id: "m3", list: "cop", subject: "FPGA image for X310",
		from: "Bob Jones <bob@example.net>", to: "usrp-users@lists.ettus.com",
		body: "RFNoC blocks need the new FPGA image.", attachment: "x310_rfnoc.bit", date: day("2026-03-31T23:59:59Z")},
	{id: "m4", list: "cop", subject: "Timeout on X310 ethernet",
		from: "Carol <carol@uni.example>", to: "usrp-users@lists.ettus.com",
		body: "The ethernet link times out after a firmware update: timeout.", date: day("2026-04-01T00:00:00Z")},
	{id: "m5", list: "cop", subject: "Ethernet setup for N210",
		from: "Dave <dave@example.org>", to: "usrp-users@lists.ettus.com",
		body: "A static IP for the ethernet port.", date: day("2025-12-31T23:59:59Z")},
	{id: "m6", list: "private", subject: "B200 secret",
		from: "Eve <eve@example.org>", to: "board@example.org",
		body: "A private overflow discussion.", date: day("2026-02-01T09:00:00Z")},
	{id: "m7", list: "cop", subject: "Re: FPGA image for X310",
		from: "Marcus Leech <mleech@ettus.com>", to: "Bob Jones <bob@example.net>",
		body: "Use the image from the release.", quoted: "RFNoC blocks need the new FPGA image.", date: day("2026-03-01T08:00:00Z")},
	{id: "m8", list: "dev", subject: "Synchronization of two devices",
		from: "Frank Marcus <frank@lab.example>", to: "dev@example.org",
		body: "PPS and a 10 MHz reference for synchronizing them.", attachment: "wiring diagram.pdf", date: day("2026-02-14T18:00:00Z")},
	{id: "m9", list: "cop", subject: "GNU Radio companion crash",
		from: "Grace <grace@example.com>", to: "usrp-users@lists.ettus.com",
		body: "gnuradio crashes when I open the b200 flowgraph.", date: day("2026-02-20T07:00:00Z")},
	{id: "m10", list: "dev", subject: "Which to buy: N200 or N210",
		from: "Heidi <heidi@example.org>", to: "Marcus Leech <mleech@ettus.com>",
		body: "Comparing the n200 and n210 boards.", date: day("2026-03-10T10:00:00Z")},
}

func testIndex(tb testing.TB) bleve.Index {
	idx, err := bleve.NewMemOnly(testMapping())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = idx.Close() })
	for _, p := range testPosts {
		addr := p.from[strings.IndexByte(p.from, '<')+1 : len(p.from)-1]
		doc := map[string]any{
			FieldList:          p.list,
			FieldMessageID:     p.id + "@example.org",
			FieldThread:        p.id,
			FieldSubject:       p.subject,
			FieldFrom:          p.from,
			FieldFromAddr:      strings.ToLower(addr),
			FieldTo:            p.to,
			FieldBody:          p.body,
			FieldQuoted:        p.quoted,
			FieldAttachment:    p.attachment,
			FieldHasAttachment: p.attachment != "",
			FieldDate:          p.date,
		}
		if err := idx.Index(p.id, doc); err != nil {
			tb.Fatal(err)
		}
	}
	return idx
}

func search(tb testing.TB, idx bleve.Index, q bquery.Query) []string {
	req := bleve.NewSearchRequestOptions(q, 100, 0, false)
	res, err := idx.Search(req)
	if err != nil {
		tb.Fatalf("search %s: %v", String(q), err)
	}
	var ids []string
	for _, h := range res.Hits {
		ids = append(ids, h.ID)
	}
	slices.Sort(ids)
	return ids
}

func ids(s string) []string {
	out := strings.Fields(s)
	slices.Sort(out)
	return out
}

func TestSearchIndex(t *testing.T) {
	idx := testIndex(t)
	tests := []struct {
		in   string
		want string // document ids, space-separated
	}{
		{"s:overflow", "m1 m2"},
		{"s:OVERFLOWS", "m1 m2"},
		{"f:mleech@ettus.com", "m1 m7"},
		{"f:MLeech@Ettus.COM", "m1 m7"},
		{"f:marcus", "m1 m7 m8"},
		{`f:"marcus leech"`, "m1 m7"},
		{"f:marc*", "m1 m7 m8"},
		{"t:mleech@ettus.com", "m2 m10"},
		{"t:bob", "m7"},
		{"c:bob", "m7"},
		{"a:ettus.com", "m1 m2 m7 m10"},
		{"a:bob@example.net", "m3 m7"},
		{"b:overflow", "m1 m6"},
		{"q:overflows", "m2"},
		{`b:"sample rate"`, "m1"},
		{`"sample rate"`, "m1 m2"},
		{`"rate sample"`, ""},
		{`bs:"sample rate"`, "m1 m2"},
		{"bs:rfnoc", "m3"},
		{"overflow", "m1 m2 m6"},
		{"overfow~1", "m1 m2 m6"},
		{"synchron*", "m8"},
		{"wiring", "m8"},
		{"diagram.pdf", "m8"},
		{"m:<m7@example.org>", "m7"},
		{"m:m7", ""},
		{"has:attachment", "m3 m8"},
		{"-has:attachment", "m1 m2 m4 m5 m6 m7 m9 m10"},
		// Dates: the range includes all of its last day, UTC.
		{"d:2026-01-01..2026-03-31", "m1 m2 m3 m6 m7 m8 m9 m10"},
		{"d:20260101..20260331", "m1 m2 m3 m6 m7 m8 m9 m10"},
		{"d:2026-03-31", "m3"},
		{"d:..2025-12-31", "m5"},
		{"d:2026-04-01..", "m4"},
		{"d:2026-03", "m3 m7 m10"},
		{"d:2026-03..", "m3 m4 m7 m10"},
		{"d:2026-02-14..2026-02-20 b200", "m9"},
		{"d:today", ""},
		// Boolean structure.
		{"ethernet NOT x310", "m5"},
		{"ethernet -x310", "m5"},
		{"ethernet AND NOT x310", "m5"},
		{"timeout AND x310", "m4"},
		{"+timeout +x310", "m4"},
		{"n200 OR n210", "m5 m10"},
		{"(x310 OR n210) ethernet", "m4 m5"},
		{"x310 OR n210 ethernet", "m3 m4 m5 m7"},
		{"gnuradio b200", "m9"},
		{"-(overflow OR ethernet) -has:attachment", "m7 m9 m10"},
		{"NOT overflow NOT ethernet NOT x310 NOT n210", "m8 m9"},
		{"s:fpga f:bob", "m3"},
		{"s:fpga -f:bob", "m7"},
		// A stop word on its own side of an AND must not empty it.
		{"the gnuradio", "m9"},
		{"gnuradio AND the", "m9"},
		{`b:"the ethernet port"`, "m5"},
		{"zzyzxq", ""},
	}
	for _, tt := range tests {
		q, err := Parse(tt.in, testOptions())
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		got, want := search(t, idx, q), ids(tt.want)
		if !slices.Equal(got, want) {
			t.Errorf("%q: got %v, want %v\n  query %s", tt.in, got, want, String(q))
		}
	}
}

func TestSearchScoped(t *testing.T) {
	idx := testIndex(t)
	tests := []struct {
		in    string
		lists []string
		want  string
	}{
		{"overflow", []string{"cop"}, "m1 m2"},
		{"overflow", []string{"cop", "private"}, "m1 m2 m6"},
		{"overflow", []string{"private"}, "m6"},
		{"overflow", nil, ""},
		{"-has:attachment", []string{"dev"}, "m10"},
		{"marcus", []string{"dev"}, "m8"}, // m10 names him in To only: t: asks for that
		{"d:2026-02", []string{"private"}, "m6"},
		// Only stop words: nothing, and above all nothing from other lists.
		{"the", []string{"cop"}, ""},
		{"-the", []string{"dev"}, "m8 m10"},
	}
	for _, tt := range tests {
		q, err := Parse(tt.in, testOptions())
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		got, want := search(t, idx, Scoped(q, tt.lists...)), ids(tt.want)
		if !slices.Equal(got, want) {
			t.Errorf("%q in %v: got %v, want %v", tt.in, tt.lists, got, want)
		}
	}
}

// TestScopedNeverLeaks runs every query of the other tests scoped to one
// list and checks that no post of another list comes back.
func TestScopedNeverLeaks(t *testing.T) {
	idx := testIndex(t)
	listOf := map[string]string{}
	for _, p := range testPosts {
		listOf[p.id] = p.list
	}
	queries := append(benchQueries(t), "the", "-the", "NOT zzz", "-(a OR b)", "overflow OR -overflow", "has:attachment OR -has:attachment")
	for _, in := range queries {
		q, err := Parse(in, testOptions())
		if err != nil {
			t.Fatalf("Parse(%q): %v", in, err)
		}
		for _, list := range []string{"cop", "dev", "private"} {
			for _, id := range search(t, idx, Scoped(q, list)) {
				if listOf[id] != list {
					t.Errorf("%q scoped to %s returned %s of list %s", in, list, id, listOf[id])
				}
			}
		}
	}
}
