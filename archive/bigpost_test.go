package archive

import (
	"context"
	"strings"
	"testing"

	"praxis/listserv/store"
)

// A batch of huge posts to index is not read whole: the indexer gets a
// bounded prefix of each (it indexes at most maxText of a body's text
// anyway), and the words at the start of the body are still found.
func TestIndexChangeHugePostBounded(t *testing.T) {
	st, list := openStore(t)
	body := strings.Repeat("filler words for a very long post\r\n", 3*store.IndexRawMax/35)
	for _, id := range []string{"big1@x", "big2@x"} {
		put(t, st, list, strings.Replace(msg(id, "Huge"), "\r\nbody of ", "\r\nantennamagic "+body+"body of ", 1))
	}
	posts, err := st.IndexChanges(context.Background(), store.IndexPos{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(posts) != 2 {
		t.Fatalf("%d posts to index, want 2", len(posts))
	}
	for _, p := range posts {
		if len(p.Raw) > store.IndexRawMax {
			t.Errorf("post %s: %d bytes read for the index, want at most %d", p.MessageID, len(p.Raw), store.IndexRawMax)
		}
	}
	docs := Docs(posts)
	for _, d := range docs {
		if !strings.HasPrefix(d.Body, "antennamagic") || len(d.Body) > maxText {
			t.Errorf("doc %s: body of %d bytes starting %.20q", d.MessageID, len(d.Body), d.Body)
		}
	}
}
