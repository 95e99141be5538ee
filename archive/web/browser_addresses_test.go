package web

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"praxis/archive"
	"praxis/archive/index"
	"praxis/archive/web/browsertest"
	"praxis/listserv"
	"praxis/listserv/mailmsg"
	"praxis/listserv/store"
	"praxis/templates"
)

// usrpAddressPosts is how many posts of the usrp-users archive the
// address test archives: a few hundred hold every kind of address there
// is (munged From, Reply-To, Cc, quoted attributions, signatures).
const usrpAddressPosts = 400

// A public list built from the usrp-users archive, read in a real
// browser. Signed out, no page, feed or JSON answer holds any address
// from the posts' headers (authors, Reply-To, To, Cc), and no author is
// shown as the list ("X via USRP-users"); signed in as a member, the
// addresses are there.
func TestBrowserAddresses(t *testing.T) {
	usrp := filepath.Join(corpora, "usrp-users-archive", "usrp-users-2020-07_2021-12.mbox")
	if _, err := os.Stat(usrp); errors.Is(err, fs.ErrNotExist) && os.Getenv("CI") == "" {
		t.Skipf("usrp corpus not present at %s (CI=true makes this a failure)", usrp)
	} else if err != nil {
		t.Fatalf("usrp corpus: %v", err)
	}
	b := newBrowser(t)
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	tpl := templates.MustParse()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := listserv.New(ctx, st, listserv.Config{BaseURL: "http://archive.test", Hostname: "archive.test"}, tpl, log)
	if err != nil {
		t.Fatal(err)
	}
	l := &listserv.List{Address: "usrp@lists.example.org", Name: "USRP users", ArchivePolicy: listserv.ArchivePublic,
		SubscribePolicy: listserv.SubscribeConfirm, PostPolicy: listserv.PostMembers}
	if err := svc.CreateList(ctx, l); err != nil {
		t.Fatal(err)
	}
	const marcus = "patchvonbraun@gmail.com"
	if err := svc.AddMember(ctx, l.Address, &listserv.Member{Address: marcus, Role: listserv.RoleMember}); err != nil {
		t.Fatal(err)
	}

	// The posts, and every address their headers name.
	var raws [][]byte
	addrs := map[string]bool{}
	eachMessage(t, usrp, func(where string, raw []byte) {
		if len(raws) >= usrpAddressPosts {
			return
		}
		raws = append(raws, raw)
		h, _ := mailmsg.ReadHeader(raw)
		for _, k := range []string{"From", "Reply-To", "To", "Cc", "X-Original-From"} {
			as, _ := mailmsg.Addresses(h, k)
			for _, a := range as {
				addrs[strings.ToLower(a.Address)] = true
			}
		}
	})
	delete(addrs, "")
	if _, _, err := svc.Archiver().ArchiveMany(ctx, l, raws); err != nil {
		t.Fatal(err)
	}
	idx, err := index.Open(filepath.Join(dir, "index"), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	if _, err := archive.NewIndexer(st, idx, log).CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(New(Config{Index: idx}, depsOf(svc), tpl, log).Handler())
	t.Cleanup(ts.Close)
	origin := ts.URL

	// The busiest threads, a few single posts, and every kind of page.
	sizes := map[string]int{}
	var posts []*store.ArchivedPost
	if err := st.ArchiveEach(ctx, l.ID, time.Time{}, func(p *store.ArchivedPost) error {
		sizes[p.ThreadID]++
		posts = append(posts, p)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	threads := make([]string, 0, len(sizes))
	for th := range sizes {
		threads = append(threads, th)
	}
	sort.Slice(threads, func(i, j int) bool {
		return sizes[threads[i]] > sizes[threads[j]] || sizes[threads[i]] == sizes[threads[j]] && threads[i] < threads[j]
	})
	threads = threads[:min(5, len(threads))]
	la := url.PathEscape(l.Address)
	paths := []string{"/", "/l/" + la + "/", "/l/" + la + "/resources", "/l/" + la + "/atom.xml", "/api/l/" + la + "/threads"}
	for _, q := range []string{"B210", "Marcus", "overflow", "gmail"} {
		q = url.QueryEscape(q)
		paths = append(paths, "/l/"+la+"/search?q="+q, "/l/"+la+"/search.atom?q="+q, "/api/l/"+la+"/search?facets=1&q="+q)
	}
	for _, th := range threads {
		paths = append(paths, templates.ThreadPath(l.Address, th), templates.ThreadPath(l.Address, th)+".atom",
			"/api/l/"+la+"/t/"+url.PathEscape(th))
	}
	for i := 0; i < len(posts); i += len(posts) / 10 {
		paths = append(paths, templates.MessagePath(posts[i].MessageID), "/api/m/"+url.PathEscape(posts[i].MessageID))
	}

	pageOf := func() string {
		return browsertest.Eval[string](b.Browser, `document.documentElement.outerHTML`)
	}
	// Where a page names a post's author: the post's header, a hit's line,
	// a feed entry's author, the API's "from". (Quoted attributions keep
	// what the quoting mail client wrote.)
	munged := regexp.MustCompile(`(?i)(<strong>|<name>|"from":"|<small>)[^<"]*via usrp-users`)
	for _, p := range paths {
		if st := b.Open(origin + p); st != 200 {
			t.Errorf("%s: status %d", p, st)
			continue
		}
		html := strings.ToLower(pageOf())
		var shown []string
		for a := range addrs {
			if strings.Contains(html, a) || strings.Contains(html, url.QueryEscape(a)) {
				shown = append(shown, a)
			}
		}
		if len(shown) > 0 {
			sort.Strings(shown)
			t.Errorf("signed out, %s shows %d addresses: %v", p, len(shown), shown[:min(5, len(shown))])
		}
		if m := munged.FindAllString(html, 3); m != nil {
			t.Errorf("signed out, %s shows an author as the list: %q", p, m)
		}
	}
	// The author facet names people, not the list.
	b.Open(origin + "/l/" + la + "/search?q=usrp")
	authors := b.text("aside ul")
	if authors == "" || strings.Contains(strings.ToLower(authors), "usrp-users") {
		t.Errorf("the author facet: %q", authors)
	}

	// Signed in as a member: the addresses are shown.
	b.Open(origin + "/signin?list=" + l.Address)
	b.Do("typing the address", chromedp.SendKeys(chromedp.CSS("#address"), marcus))
	b.Follow("asking for a sign-in link", chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)))
	mail := string(lastMailTo(t, st, marcus))
	link := regexp.MustCompile(`http://archive\.test(/signin/\S+)`).FindStringSubmatch(mail)
	if link == nil {
		t.Fatalf("no link in the sign-in mail:\n%s", mail)
	}
	b.Open(origin + link[1])
	b.Follow("using the sign-in link", chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)))
	seen := 0
	for _, p := range paths {
		b.Open(origin + p)
		html := strings.ToLower(pageOf())
		for a := range addrs {
			if strings.Contains(html, a) {
				seen++
				break
			}
		}
	}
	if seen < len(threads) {
		t.Errorf("signed in as a member, only %d of %d pages show an address", seen, len(paths))
	}
	b.Open(origin + templates.ThreadPath(l.Address, threads[0]))
	if !strings.Contains(strings.ToLower(pageOf()), "@gmail.com") {
		t.Errorf("signed in as a member, the busiest thread shows no address")
	}
}
