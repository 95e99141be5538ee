package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"praxis/archive/index"
	"praxis/archive/query"
)

// A search with more hits than are counted one by one shows "about" an
// estimate on the page and says so in the JSON, but its pages are
// exactly what an exact search (`praxis search --json`'s) finds, and the
// sidebar says its facets counted a sample. A search with few hits is
// counted exactly, and so is one of words however many hits it has
// (the index reads those from its bitmaps); has: is no word. (The index
// counts up to 5,000 hits by default; this one estimates from 200, so
// that 900 posts are enough, and shows facets counted whole up to 800
// posts.)
func TestSearchEstimatesBigTotals(t *testing.T) {
	f := newArchiveFixture(t, index.Options{EstimateAbove: 200})
	base := time.Date(2021, 5, 3, 8, 0, 0, 0, time.UTC)
	var raws [][]byte
	for i := range 900 {
		body := fmt.Sprintf("Post %d about the spindle.\n", i)
		if i%100 == 0 {
			body += "A seldom word: dovetail.\n"
		}
		mime := "--b\r\nContent-Type: text/plain\r\n\r\n" + body + "\r\n--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=notes.txt\r\n\r\nnotes\r\n--b--\r\n"
		raws = append(raws, post(fmt.Sprintf("big%d@example.net", i), fmt.Sprintf("Maker %d <maker%d@example.net>", i%9, i%9),
			fmt.Sprintf("Spindle note %d", i), base.Add(time.Duration(i)*3*time.Hour).Format(time.RFC1123Z), mime,
			"MIME-Version: 1.0", "Content-Type: multipart/mixed; boundary=b"))
	}
	f.addPosts(t, "cop@example.org", raws...)
	c := f.client(t)

	exactPage := func(after []string) *index.Result {
		t.Helper()
		q, err := query.Parse("spindle has:attachment", query.Options{})
		if err != nil {
			t.Fatal(err)
		}
		res, err := f.idx.Search(query.Scoped(q, "cop@example.org"), index.SearchOptions{Size: 20, Newest: true, After: after})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	exact := exactPage(nil)
	if exact.Total != 900 {
		t.Fatalf("the exact search counted %d, want 900", exact.Total)
	}
	code, page, _ := get(t, c, f.ts.URL+"/l/cop@example.org/search?q=spindle+has%3Aattachment")
	if code != http.StatusOK {
		t.Fatalf("search page: %d", code)
	}
	status := regexp.MustCompile(`<p role="status">([^·]*) found`)
	if m := status.FindStringSubmatch(page); m == nil || !strings.HasPrefix(m[1], "about ") {
		t.Errorf("the first page's count: %q, want \"about …\"", m)
	}
	if !strings.Contains(page, "Counted among the newest") {
		t.Error("the sidebar does not say its facets counted a sample")
	}
	second := exactPage(exact.Hits[len(exact.Hits)-1].Sort)
	_, page2, _ := get(t, c, f.ts.URL+"/l/cop@example.org/search?q=spindle+has%3Aattachment&after="+strings.Join(exact.Hits[len(exact.Hits)-1].Sort, ","))
	if m := status.FindStringSubmatch(page2); m == nil || !strings.HasPrefix(m[1], "about ") {
		t.Errorf("the second page's count: %q, want \"about …\"", m)
	}
	for _, h := range second.Hits {
		if !strings.Contains(page2, strings.Trim(h.MessageID, "<>")) {
			t.Errorf("the second page lacks %s", h.MessageID)
		}
	}
	var shown []string
	for _, m := range regexp.MustCompile(`<li><a href="/m/([^"]+)">`).FindAllStringSubmatch(page, -1) {
		shown = append(shown, m[1])
	}
	if len(shown) != len(exact.Hits) {
		t.Fatalf("the page shows %d hits, the exact search %d", len(shown), len(exact.Hits))
	}
	for i, h := range exact.Hits {
		if !strings.Contains(shown[i], strings.Trim(h.MessageID, "<>")) {
			t.Errorf("hit %d: the page shows %s, the exact search %s", i, shown[i], h.MessageID)
		}
	}

	code, body, _ := get(t, c, f.ts.URL+"/api/l/cop@example.org/search?q=spindle+has%3Aattachment")
	if code != http.StatusOK {
		t.Fatalf("API search: %d %s", code, body)
	}
	var api struct {
		Total          uint64 `json:"total"`
		TotalEstimated bool   `json:"total_estimated"`
		Hits           []struct {
			MessageID string `json:"message_id"`
		} `json:"hits"`
	}
	if err := json.Unmarshal([]byte(body), &api); err != nil {
		t.Fatal(err)
	}
	if !api.TotalEstimated || api.Total < 650 || api.Total > 1200 {
		t.Errorf("API: total %d estimated %v; want an estimate near 900", api.Total, api.TotalEstimated)
	}
	for i, h := range exact.Hits {
		if i >= len(api.Hits) || api.Hits[i].MessageID != h.MessageID {
			t.Fatalf("API hit %d differs from the exact search's %s", i, h.MessageID)
		}
	}

	// Words alone: counted, page and API.
	_, page, _ = get(t, c, f.ts.URL+"/l/cop@example.org/search?q=spindle")
	if m := status.FindStringSubmatch(page); m == nil || m[1] != "900" {
		t.Errorf("a search of words: %q, want 900 counted", m)
	}
	code, body, _ = get(t, c, f.ts.URL+"/api/l/cop@example.org/search?q=spindle")
	if code != http.StatusOK || !strings.Contains(body, `"total":900,`) || !strings.Contains(body, `"total_estimated":false`) {
		t.Errorf("a search of words in the API: %d %.300s", code, body)
	}
	code, body, _ = get(t, c, f.ts.URL+"/api/l/cop@example.org/search?q=dovetail")
	if code != http.StatusOK || !strings.Contains(body, `"total":9,`) || !strings.Contains(body, `"total_estimated":false`) {
		t.Errorf("a small result: %d %s", code, body)
	}
}

func TestTotalLabel(t *testing.T) {
	for _, tc := range []struct {
		n         uint64
		estimated bool
		want      string
	}{
		{7, false, "7"},
		{12345, false, "12345"},
		{501, true, "about 500"},
		{12345, true, "about 12,000"},
		{987654, true, "about 990,000"},
		{1_049_999, true, "about 1,000,000"},
	} {
		if got := totalLabel(tc.n, tc.estimated); got != tc.want {
			t.Errorf("totalLabel(%d, %v) = %q, want %q", tc.n, tc.estimated, got, tc.want)
		}
	}
}
