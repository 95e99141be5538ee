package digest

import (
	"context"
	"testing"
)

// BenchmarkWeeklySummary is one learning summary of the golden week
// (nine months of history read for document frequencies), from the store
// to both renderings.
func BenchmarkWeeklySummary(b *testing.B) {
	st, l := usrp(b)
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		p, err := Load(ctx, st, l.ID, goldenStart, goldenEnd)
		if err != nil {
			b.Fatal(err)
		}
		s := Summarize(p, Options{BaseURL: goldenBase})
		if _, err := RenderText(s); err != nil {
			b.Fatal(err)
		}
		if _, err := RenderHTML(s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSummarize is the analysis alone, over a loaded period.
func BenchmarkSummarize(b *testing.B) {
	st, l := usrp(b)
	p, err := Load(context.Background(), st, l.ID, goldenStart, goldenEnd)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		Summarize(p, Options{BaseURL: goldenBase, Member: goldenMember})
	}
}
