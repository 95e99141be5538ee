package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"praxis/listserv/store"
)

// imapSearchFilters checks store.IMAPSearch: ids through every filter
// field, in pages, scoped to one list; heads cut and whole; references in
// their order; the n-th post and the last.
func imapSearchFilters(t *testing.T, s store.Backend) {
	ctx := context.Background()
	l := newList(t, s, "cop@example.org")
	other := newList(t, s, "other@example.org")
	day := time.Date(2021, 1, 4, 10, 0, 0, 0, time.UTC)
	var ids []int64
	put := func(l *store.List, i int, subject, fromName, fromAddr string, refs []string) *store.ArchivedPost {
		raw := []byte(fmt.Sprintf("Message-ID: <m%d@x>\r\nFrom: %s <%s>\r\nSubject: %s\r\n\r\n%s\r\n", i, fromName, fromAddr, subject, strings.Repeat("body ", i*10)))
		p := &store.ArchivedPost{ListID: l.ID, MessageID: fmt.Sprintf("m%d@x", i), Subject: subject, NormSubject: strings.ToLower(subject),
			FromName: fromName, FromAddr: fromAddr, Date: day.AddDate(0, 0, i), Refs: refs}
		if _, err := s.ArchivePut(ctx, p, raw); err != nil {
			t.Fatal(err)
		}
		return p
	}
	put(other, 0, "UHD elsewhere", "Marcus", "marcus@other.example", nil)
	for i := 1; i <= 12; i++ {
		subject := fmt.Sprintf("post %d", i)
		if i%3 == 0 {
			subject = fmt.Sprintf("UHD 50%%_off %d", i)
		}
		var refs []string
		if i > 1 {
			refs = []string{fmt.Sprintf("m%d@x", i-1), "ghost@x", "m1@x"}
		}
		p := put(l, i, subject, []string{"Marcus Müller", "Someone"}[i%2], fmt.Sprintf("user%d@example.org", i), refs)
		ids = append(ids, p.ID)
	}
	put(other, 13, "UHD after", "Marcus", "marcus@other.example", nil)

	all := func(f *store.IMAPFilter, page int) []int64 {
		t.Helper()
		var out []int64
		after := int64(0)
		for {
			got, err := s.IMAPSearchIDs(ctx, l.ID, f, after, page)
			must(t, err)
			out = append(out, got...)
			if len(got) < page {
				return out
			}
			after = got[len(got)-1]
		}
	}
	if got := all(nil, 5); !slices.Equal(got, ids) {
		t.Errorf("every id in pages of 5 = %v, want %v", got, ids)
	}
	pick := func(is ...int) []int64 {
		var out []int64
		for _, i := range is {
			out = append(out, ids[i-1])
		}
		return out
	}
	tests := []struct {
		name string
		f    store.IMAPFilter
		want []int64
	}{
		{"ids", store.IMAPFilter{MinID: ids[2], MaxID: ids[4]}, pick(3, 4, 5)},
		{"in", store.IMAPFilter{In: []int64{ids[0], ids[11], 999999}}, pick(1, 12)},
		{"empty in", store.IMAPFilter{In: []int64{}}, nil},
		{"dates", store.IMAPFilter{Since: day.AddDate(0, 0, 2).Unix(), Before: day.AddDate(0, 0, 4).Unix()}, pick(2, 3)},
		{"subject, ASCII case-insensitive", store.IMAPFilter{Subject: []string{"%uhd%"}}, pick(3, 6, 9, 12)},
		{"subject escapes", store.IMAPFilter{Subject: []string{`%50\%\_off 1%`}}, pick(12)},
		{"subject escaped _ is no wildcard", store.IMAPFilter{Subject: []string{`%post\_%`}}, nil},
		{"author name or address", store.IMAPFilter{Author: []string{"%marcus%"}}, pick(2, 4, 6, 8, 10, 12)},
		{"author address", store.IMAPFilter{Author: []string{"%user1_@%"}}, pick(10, 11, 12)},
		{"head bytes, ASCII case-insensitive", store.IMAPFilter{HeadLike: []string{"%MESSAGE-ID: <m12@%"}, HeadBytes: 200}, pick(12)},
		{"head cut before its end passes", store.IMAPFilter{HeadLike: []string{"%nowhere%"}, HeadBytes: 10}, ids},
		{"subject contains", store.IMAPFilter{SubjectHas: []string{"50%_OFF 1"}}, pick(12)},
		{"author contains", store.IMAPFilter{AuthorHas: []string{"USER1"}}, pick(1, 10, 11, 12)},
		{"together", store.IMAPFilter{Subject: []string{"%uhd%"}, Author: []string{"%m_ller%"}, MinID: ids[3]}, pick(6, 12)},
	}
	for _, tt := range tests {
		got := all(&tt.f, 2)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
	// Sizes: the size with CRLF line ends (the posts' are CRLF already,
	// so the stored size), both ends excluded.
	one, err := s.ArchiveByIDs(ctx, pick(1))
	must(t, err)
	size := int64(one[0].Size)
	if got := all(&store.IMAPFilter{Larger: size - 1, Smaller: size + 1}, 10); !slices.Equal(got, pick(1)) {
		t.Errorf("size %d = %v, want %v", size, got, pick(1))
	}
	if got := all(&store.IMAPFilter{Larger: size}, 10); !slices.Equal(got, ids[1:]) {
		t.Errorf("larger than %d = %v, want %v", size, got, ids[1:])
	}
	if got := all(&store.IMAPFilter{Smaller: size}, 10); len(got) != 0 {
		t.Errorf("smaller than %d = %v, want none", size, got)
	}
	if _, err := s.IMAPSearchIDs(ctx, l.ID, &store.IMAPFilter{In: make([]int64, store.IMAPSearchChunk+1)}, 0, 10); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("too many ids: err = %v, want ErrInvalid", err)
	}

	heads, err := s.IMAPHeads(ctx, pick(12, 1), 20)
	must(t, err)
	if len(heads) != 2 || heads[0].ID != ids[11] || len(heads[0].Bytes) != 20 || heads[0].Whole || !strings.HasPrefix(string(heads[0].Bytes), "Message-ID: <m12@x>") {
		t.Errorf("IMAPHeads cut = %+v", heads)
	}
	heads, err = s.IMAPHeads(ctx, pick(1), 1<<20)
	must(t, err)
	raw, err := s.ArchiveRaw(ctx, one[0].Hash)
	must(t, err)
	// Its kept header block (ArchivePut keeps one): all of the header,
	// not the body.
	if len(heads) != 1 || heads[0].Whole || string(heads[0].Bytes) != string(store.HeaderBlock(raw)) || len(raw) <= len(heads[0].Bytes) {
		t.Errorf("IMAPHeads whole = %+v", heads)
	}

	refs, err := s.IMAPRefs(ctx, pick(1, 5))
	must(t, err)
	if len(refs[ids[0]]) != 0 || !slices.Equal(refs[ids[4]], []string{"m4@x", "ghost@x", "m1@x"}) {
		t.Errorf("IMAPRefs = %v", refs)
	}

	if got, err := s.IMAPMaxID(ctx, l.ID); err != nil || got != ids[11] {
		t.Errorf("IMAPMaxID = %d, %v; want %d", got, err, ids[11])
	}
	empty := newList(t, s, "empty@example.org")
	if got, err := s.IMAPMaxID(ctx, empty.ID); err != nil || got != 0 {
		t.Errorf("IMAPMaxID of an empty list = %d, %v", got, err)
	}
}
