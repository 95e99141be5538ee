package imapview

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/textproto"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap"
)

// fuzzFlags are the session flags the fuzz targets search with: fixed by
// UID, so the oracle sees the same.
func fuzzFlags(uids []uint32) map[uint32][]string {
	out := map[uint32][]string{}
	for _, u := range uids {
		if u%3 == 0 {
			out[u] = append(out[u], `\Seen`)
		}
		if u%5 == 0 {
			out[u] = append(out[u], `\Flagged`, "$Work")
		}
	}
	return out
}

// fuzzWords are the strings the byte decoder picks from: the synthetic
// list's words, folds of them, LIKE's specials, separators, nothing.
var fuzzWords = []string{"", "uhd", "UHD SAMPLE", "marcus", "müller <marcus", "Schröder", "kelvin", "\u212Aelvin", "übersetzung",
	"50%_", `\`, "_", "%", " ", "  spaces  and", "café", "x310", "timeout", "sample rate", "loop", "haunted", "@", "example.org",
	"three@", "cop@example", "padding padding", "Mutt", "-- !!", "rate;", "Re:", "\x00", "\xff\xfe"}

var fuzzHeaders = []string{"Subject", "From", "To", "Cc", "Bcc", "X-Mailer", "X-Long", "Message-Id", "References", "Date", "X-None"}

// criteriaDecoder turns fuzz bytes into criteria, a byte at a time.
type criteriaDecoder struct {
	b   []byte
	ids []uint32
}

func (d *criteriaDecoder) next() int {
	if len(d.b) == 0 {
		return 0
	}
	c := int(d.b[0])
	d.b = d.b[1:]
	return c
}

func (d *criteriaDecoder) word() string { return fuzzWords[d.next()%len(fuzzWords)] }

func (d *criteriaDecoder) day() time.Time {
	return time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, d.next()%20-5)
}

func (d *criteriaDecoder) set() *imap.SeqSet {
	set := &imap.SeqSet{}
	for n := d.next()%3 + 1; n > 0; n-- {
		num := func() uint32 {
			v := d.next() % 24
			if v == 23 {
				return 0 // *
			}
			return uint32(v)
		}
		lo, hi := num(), num()
		if lo == 0 && hi != 0 {
			lo, hi = hi, lo
		}
		if hi != 0 && lo > hi {
			lo, hi = hi, lo
		}
		if lo == 0 && hi == 0 {
			set.AddNum(0)
			continue
		}
		if lo == 0 {
			lo = 1
		}
		set.AddRange(lo, hi)
	}
	return set
}

// criteria decodes one criteria node and, depth allowing, its children.
func (d *criteriaDecoder) criteria(depth int) *imap.SearchCriteria {
	c := &imap.SearchCriteria{}
	for n := d.next() % 4; n >= 0 && len(d.b) > 0; n-- {
		switch d.next() % 14 {
		case 0, 1, 2:
			if c.Header == nil {
				c.Header = textproto.MIMEHeader{}
			}
			c.Header.Add(fuzzHeaders[d.next()%len(fuzzHeaders)], d.word())
		case 3:
			c.Body = append(c.Body, d.word())
		case 4:
			c.Text = append(c.Text, d.word())
		case 5:
			c.Since = d.day()
		case 6:
			c.Before = d.day()
		case 7:
			c.SentSince = d.day()
		case 8:
			c.SentBefore = d.day()
		case 9:
			if d.next()%2 == 0 {
				c.Larger = uint32(d.next() * 7)
			} else {
				c.Smaller = uint32(d.next() * 7)
			}
		case 10:
			if d.next()%2 == 0 {
				c.Uid = d.set()
				// UIDs near the list's: shift them onto its ids.
				for i := range c.Uid.Set {
					if c.Uid.Set[i].Start != 0 {
						c.Uid.Set[i].Start += d.ids[0] - 1
					}
					if c.Uid.Set[i].Stop != 0 {
						c.Uid.Set[i].Stop += d.ids[0] - 1
					}
				}
			} else {
				c.SeqNum = d.set()
			}
		case 11:
			flag := []string{`\Seen`, `\Flagged`, "$work", `\Deleted`}[d.next()%4]
			if d.next()%2 == 0 {
				c.WithFlags = append(c.WithFlags, flag)
			} else {
				c.WithoutFlags = append(c.WithoutFlags, flag)
			}
		case 12:
			if depth < 6 {
				c.Not = append(c.Not, d.criteria(depth+1))
			}
		case 13:
			if depth < 6 {
				c.Or = append(c.Or, [2]*imap.SearchCriteria{d.criteria(depth + 1), d.criteria(depth + 1)})
			}
		}
	}
	return c
}

// FuzzSearchCriteria checks the property that matters: whatever the
// criteria, Search finds exactly the posts the brute-force oracle finds.
func FuzzSearchCriteria(f *testing.F) {
	fx := openFixture(f, f.TempDir(), syntheticCorpus(), fixtureNow)
	o := newOracle(f, fx)
	o.flags = fuzzFlags
	s := NewSearcher(fx.st, fx.idx)
	for _, seed := range [][]byte{
		{}, {0, 0, 1, 1}, {1, 0, 0, 0, 3}, {2, 12, 0, 0, 2, 13, 0, 1, 4, 0, 2, 1, 5},
		{3, 13, 0, 0, 1, 3, 0, 0, 3, 9, 1, 11, 0, 0, 6, 10, 1, 1, 2, 23},
		{1, 5, 3, 6, 9, 11, 0, 1, 12, 0, 11, 3, 0},
		[]byte("fuzz me with anything at all"),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d := &criteriaDecoder{b: data, ids: fx.ids}
		c := d.criteria(0)
		got, err := s.Search(context.Background(), fx.list, c, fuzzFlags)
		if errors.Is(err, ErrSearchTooComplex) {
			return
		}
		if err != nil {
			t.Fatalf("%s: %v", describe(c), err)
		}
		o.unjudged = false
		want := o.search(t, c)
		if o.unjudged {
			return
		}
		if got, want := o.comparable(c, got), o.comparable(c, want); !slices.Equal(got, want) {
			t.Fatalf("%s:\nSearch %v\noracle %v", describe(c), got, want)
		}
	})
}

// FuzzSearchCommand feeds SEARCH arguments as a client writes them
// through go-imap's own parser, then Search: it must answer every
// criteria the parser accepts, as the oracle does, and never panic.
func FuzzSearchCommand(f *testing.F) {
	fx := openFixture(f, f.TempDir(), syntheticCorpus(), fixtureNow)
	o := newOracle(f, fx)
	o.flags = fuzzFlags
	s := NewSearcher(fx.st, fx.idx)
	for _, seed := range []string{
		`ALL`, `SUBJECT "uhd"`, `FROM marcus`, `HEADER "X-Mailer" ""`, `BODY "sample rate"`, `TEXT timeout TEXT x310`,
		`SINCE 1-Jan-2021 BEFORE 9-Jan-2021`, `SENTON 4-Jan-2021`, `LARGER 300 SMALLER 1000`, `NOT SEEN`, `OR FLAGGED KEYWORD $Work`,
		`UID 1:* NOT UID 5:7`, `2:4,*`, `OR (SUBJECT loop FROM ghost) NOT (BODY "a header")`, `NEW`, `OLD`, `RECENT ANSWERED DELETED DRAFT`,
		`NOT NOT NOT NOT ALL`, `SUBJECT "50%_off \\"`, `CHARSET UTF-8 SUBJECT "übersetzung"`, `BCC hidden CC someone TO cop`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, args string) {
		if strings.ContainsAny(args, "{\r\n") {
			return // literals and line ends belong to the connection, which the server bounds
		}
		fields, err := imap.NewReader(bufio.NewReader(strings.NewReader(args + "\r\n"))).ReadLine()
		if err != nil {
			return
		}
		if len(fields) > 0 {
			if s, ok := fields[0].(string); ok && strings.EqualFold(s, "CHARSET") && len(fields) > 1 {
				fields = fields[2:]
			}
		}
		c := &imap.SearchCriteria{}
		if err := c.ParseWithCharset(fields, nil); err != nil {
			return
		}
		got, err := s.Search(context.Background(), fx.list, c, fuzzFlags)
		if errors.Is(err, ErrSearchTooComplex) {
			return
		}
		if err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		o.unjudged = false
		want := o.search(t, c)
		if o.unjudged {
			return
		}
		if got, want := o.comparable(c, got), o.comparable(c, want); !slices.Equal(got, want) {
			t.Fatalf("%q = %s:\nSearch %v\noracle %v", args, describe(c), got, want)
		}
	})
}

// describe writes criteria for a failure message.
func describe(c *imap.SearchCriteria) string {
	return fmt.Sprintf("%+v", c.Format())
}
