package index

import (
	"fmt"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/standard"
	"github.com/blevesearch/bleve/v2/analysis/char/regexp"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"

	"praxis/archive/query"
)

// fieldMonth is the post's month, "2006-01", in UTC. It exists only for the
// month facet: a term facet on a keyword is exact and needs no list of
// ranges chosen in advance, which a date-range facet would. Queries never
// name it, so it lives here rather than in package query.
const fieldMonth = "month"

// monthLayout formats fieldMonth and Result.Months.
const monthLayout = "2006-01"

// fieldOrder is the order key: the date to the second, plus the post's
// archive id as nanoseconds, unique. The document ID starts with it too
// (docKey), and hits are sorted on that; this field answers the date
// windows of a newest-first search.
const fieldOrder = "order"

// fieldSample marks the posts of the nested random samples an estimated
// total counts (estimate.go): a post is in sample "sJ" when the top J
// bits of its key's hash are zero, so each sample is a 2^-J share of the
// posts, spread evenly over time and lists, and a smaller sample lies
// inside every larger one. Only the posts in a sample carry its term:
// a third of a term per post on average.
const fieldSample = "sample"

// fieldSpan holds the order key's year, month and day as words
// ("y2021", "m2021-03", "d2021-03-04"): a newest-first search's date
// window (search.go) is the few of them that cover its days. Bleve reads
// a range of the numeric fieldOrder as some hundreds of prefix terms, each
// looked up in every segment, which cost more than the window's hits.
const fieldSpan = "span"

// sampleLevels are the J of the samples: 1/4, 1/16, … 1/1024 of the posts.
var sampleLevels = []int{2, 4, 6, 8, 10}

// fieldKey holds the document key (docKey), for its doc values: each
// segment's posts' keys are read from them once (bitpage.go). The
// document ID is the same key, but Bleve reads it from a post's stored
// fields, one place in the file a post. It is indexed too, though never
// searched: Bleve writes doc values only for an indexed field.
const fieldKey = "key"

// fieldPreview holds the first previewBytes of the body, stored only.
const fieldPreview = "preview"

// filenameAnalyzer splits attachment names into words. The unicode
// tokenizer alone keeps "diagram.pdf" and "x310_rfnoc" whole (UAX #29
// treats '.' between letters and '_' as word-internal), so a char filter
// turns the usual file-name separators into spaces first.
const (
	filenameAnalyzer   = "praxis_filename"
	filenameCharFilter = "praxis_filename_separators"
)

// storedFields are the fields a hit list shows; only these (and the
// body's preview, for snippets) are stored, so Search asks for exactly
// these back. Bodies are not stored: the archive has them.
var storedFields = []string{
	query.FieldList, query.FieldMessageID, query.FieldThread,
	query.FieldSubject, query.FieldFrom, query.FieldDate,
}

// newMapping builds the index mapping. The size goal is an index under half
// the size of the mbox it came from, so every field pays only for what is
// used: term vectors (positions) on the analysed text, which phrases need;
// bodies not stored (snippets come from a stored preview, snippet.go);
// doc values only on the
// fields that are faceted on (from_addr, month); nothing in
// the composite _all field, since package query always names its fields;
// and no dynamic mapping, so a field nobody declared is dropped rather than
// indexed with a guessed analyser.
func newMapping() (*mapping.IndexMappingImpl, error) {
	m := bleve.NewIndexMapping()
	if err := m.AddCustomCharFilter(filenameCharFilter, map[string]interface{}{
		"type":    regexp.Name,
		"regexp":  `[._\-]`,
		"replace": " ",
	}); err != nil {
		return nil, fmt.Errorf("index: char filter: %w", err)
	}
	if err := m.AddCustomAnalyzer(filenameAnalyzer, map[string]interface{}{
		"type":          custom.Name,
		"char_filters":  []string{filenameCharFilter},
		"tokenizer":     unicode.Name,
		"token_filters": []string{lowercase.Name},
	}); err != nil {
		return nil, fmt.Errorf("index: filename analyzer: %w", err)
	}

	type spec struct {
		analyzer string
		store    bool // shown in the hit list (or read by the highlighter)
		vectors  bool // searched for phrases (positions)
		docVals  bool // sorted or faceted on
	}
	text := map[string]spec{
		query.FieldList:       {keyword.Name, true, false, false},
		query.FieldMessageID:  {keyword.Name, true, false, false},
		query.FieldThread:     {keyword.Name, true, false, false},
		query.FieldFromAddr:   {keyword.Name, false, false, true},
		fieldMonth:            {keyword.Name, false, false, true},
		fieldSample:           {keyword.Name, false, false, false},
		fieldSpan:             {keyword.Name, false, false, false},
		query.FieldSubject:    {en.AnalyzerName, true, true, false},
		query.FieldBody:       {en.AnalyzerName, false, true, false},
		fieldBodyPairs:        {pairsAnalyzer, false, false, false},
		query.FieldQuoted:     {en.AnalyzerName, false, true, false},
		query.FieldFrom:       {standard.Name, true, true, false},
		query.FieldTo:         {standard.Name, false, true, false},
		query.FieldAttachment: {filenameAnalyzer, false, true, false},
	}

	doc := bleve.NewDocumentStaticMapping()
	doc.Dynamic = false
	for name, s := range text {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = s.analyzer
		f.Store = s.store
		f.IncludeTermVectors = s.vectors
		f.DocValues = s.docVals
		f.IncludeInAll = false
		doc.AddFieldMappingsAt(name, f)
	}

	key := bleve.NewKeywordFieldMapping()
	key.Store = false
	key.IncludeTermVectors = false
	key.DocValues = true
	key.IncludeInAll = false
	doc.AddFieldMappingsAt(fieldKey, key)

	// The body's start, stored and not indexed, for snippets (snippet.go).
	pv := bleve.NewTextFieldMapping()
	pv.Index = false
	pv.Store = true
	pv.IncludeTermVectors = false
	pv.DocValues = false
	pv.IncludeInAll = false
	doc.AddFieldMappingsAt(fieldPreview, pv)

	date := bleve.NewDateTimeFieldMapping()
	date.IncludeInAll = false // stored: shown in hits
	date.DocValues = false
	doc.AddFieldMappingsAt(query.FieldDate, date)

	order := bleve.NewDateTimeFieldMapping()
	order.IncludeInAll = false
	order.Store = false // searched by range only (the windows of search.go)
	order.DocValues = false
	doc.AddFieldMappingsAt(fieldOrder, order)

	has := bleve.NewBooleanFieldMapping()
	has.Store = false
	has.DocValues = false
	has.IncludeInAll = false
	doc.AddFieldMappingsAt(query.FieldHasAttachment, has)

	m.DefaultMapping = doc
	m.IndexDynamic = false
	m.StoreDynamic = false
	m.DocValuesDynamic = false
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("index: mapping: %w", err)
	}
	return m, nil
}
