package digest

import (
	"context"
	"testing"

	"praxis/archive/learn"
	"praxis/listserv/store"
)

// rowsOnly is a store whose days are not packed (an archive made before
// 0041, or a Reader of another kind): Load walks its rows.
type rowsOnly struct{ Reader }

// TestPacksReadAsRows: a summary read from the days' packs is the
// summary read from the rows, byte for byte, on every labelled week of
// the usrp archive; and once a week is read, its days are packed.
func TestPacksReadAsRows(t *testing.T) {
	st, l := usrp(t)
	weeks, err := ReadLabels(learn.EvalSet, learn.EvalDir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	opts := Options{BaseURL: "https://x.org", Member: &Member{Address: "m@x.org", Expertise: []string{"rfnoc", "fpga"}}}
	packedDays := 0
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
		// Twice from the packs: the first read packs what it found
		// unpacked.
		packed, again, rows := render(st), render(st), render(rowsOnly{st})
		if packed != rows || again != rows {
			t.Errorf("week %s: the summary from the packs differs from the rows':\n%s\n---\n%s", w.Week, packed, rows)
		}
		ps, unpacked, err := st.ArchivePacked(ctx, l.ID, end.Add(-Recent), end)
		if err != nil {
			t.Fatal(err)
		}
		if len(unpacked) > 0 {
			t.Errorf("week %s: days %v still unpacked after a summary read them", w.Week, unpacked)
		}
		if len(ps) > 0 {
			packedDays++
		}
	}
	if packedDays < len(weeks)*9/10 {
		t.Errorf("only %d of %d weeks read posts from packs", packedDays, len(weeks))
	}
}

var _ = store.Day
