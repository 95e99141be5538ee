package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"praxis/listserv/store"
)

// resourcesCountedOnce: a link shared in several posts is one entry with
// its posts counted and its latest post shown; a signature's link (one
// author's every post), a banner (in most posts) and the mailing list's
// own pages are left out.
func resourcesCountedOnce(t *testing.T, s store.Backend) {
	ctx := context.Background()
	l := newList(t, s, "res@example.org")
	d0 := time.Date(2021, 4, 1, 12, 0, 0, 0, time.UTC)
	n := 0
	put := func(from string, urls ...string) *store.ArchivedPost {
		t.Helper()
		n++
		id := fmt.Sprintf("p%d@x", n)
		raw := []byte("Message-ID: <" + id + ">\r\nFrom: " + from + "\r\nSubject: s\r\n\r\nbody\r\n")
		p := &store.ArchivedPost{ListID: l.ID, MessageID: id, Subject: "s", NormSubject: "s", FromAddr: from, Date: d0.Add(time.Duration(n) * time.Hour)}
		_, err := s.ArchivePut(ctx, p, raw)
		must(t, err)
		var links []store.Link
		for _, u := range urls {
			links = append(links, store.Link{ArchiveID: p.ID, ListID: l.ID, URL: u, Date: p.Date})
		}
		must(t, s.PutLinks(ctx, []int64{p.ID}, links))
		return p
	}
	const shared, sig, footer = "https://example.com/guide", "https://marcus.example/", "http://lists.example.org/mailman/listinfo/res"
	put("a@example.net", shared, sig)
	put("b@example.net", shared)
	put("a@example.net", sig, footer)
	last := put("c@example.net", shared, footer)
	put("a@example.net", sig)
	put("a@example.net", sig)
	// 21 posts by as many people with the same disclaimer, among 27.
	for i := range 21 {
		put(fmt.Sprintf("d%d@example.net", i), "https://corp.example/disclaimer")
	}
	res, err := s.ArchiveResources(ctx, l.ID, "", 0, 50)
	must(t, err)
	if len(res) != 1 || res[0].Value != shared || res[0].Posts != 3 || res[0].ArchiveID != last.ID || !res[0].Date.Equal(last.Date) {
		t.Errorf("ArchiveResources = %+v, want %s once, shared 3 times, its latest post %d", res, shared, last.ID)
	}
}
