package digest

import (
	"context"
	"testing"
	"time"

	"praxis/archive/learn"
	"praxis/listserv/store"
)

// rowsOnly is a store whose days are not packed (an archive made before
// 0041, or a Reader of another kind): Load walks its rows.
type rowsOnly struct{ Reader }

// TestPacksReadAsRows: a summary read from the days' packs is the
// summary read from the rows, byte for byte, on every labelled week of
// the usrp archive; and once a week is read, its days with posts are
// packed.
func TestPacksReadAsRows(t *testing.T) {
	st, l := usrp(t)
	weeks, err := ReadLabels(learn.EvalSet, learn.EvalDir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	opts := Options{BaseURL: "https://x.org", Member: &Member{Address: "m@x.org", Expertise: []string{"rfnoc", "fpga"}}}
	packedDays := 0
	// As an archive of before 0041: every day read from its rows first,
	// then packed by the summary that read it.
	forgetPacks(t, st)
	for _, w := range weeks {
		start, err := w.Start()
		if err != nil {
			t.Fatal(err)
		}
		end := start.AddDate(0, 0, 7)
		render := func(r Reader) string {
			t.Helper()
			p, err := Load(ctx, r, l.ID, start, end)
			if err != nil {
				t.Fatal(err)
			}
			txt, err := RenderText(Summarize(p, opts))
			if err != nil {
				t.Fatal(err)
			}
			return txt
		}
		// Twice: the first reads the days from the rows and packs
		// them (a week's Recent days overlap the week before's), the
		// second reads the packs.
		packed, again, rows := render(st), render(st), render(rowsOnly{st})
		if packed != rows || again != rows {
			t.Errorf("week %s: the summary from the packs differs from the rows':\n%s\n---\n%s", w.Week, packed, rows)
		}
		ps, unpacked, err := st.ArchivePacked(ctx, l.ID, end.Add(-Recent), end)
		if err != nil {
			t.Fatal(err)
		}
		// Days without posts are left unknown (their walk finds nothing);
		// every day with posts is packed.
		for _, d := range unpacked {
			day := time.Unix(d*86400, 0).UTC()
			n := 0
			if err := st.ArchiveEach(ctx, l.ID, day, func(a *store.ArchivedPost) error {
				if a.Date.Before(day.AddDate(0, 0, 1)) {
					n++
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if n > 0 {
				t.Errorf("week %s: day %s with %d posts still unpacked after a summary read it", w.Week, day.Format("2006-01-02"), n)
			}
		}
		if len(ps) > 0 {
			packedDays++
		}
	}
	if packedDays < len(weeks)*9/10 {
		t.Errorf("only %d of %d weeks read posts from packs", packedDays, len(weeks))
	}
}
