package listserv

import (
	"bytes"
	"context"
	"io"
	"praxis/listserv/moderation"
	"praxis/listserv/store"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message"
)

// A big held post is not copied whole into its moderators' notice: the
// notice carries its header and its first lines.
func TestHeldNoticeOfBigPost(t *testing.T) {
	svc := newTestService(t)
	svc.setDMARC(fakeDMARC{})
	ctx := context.Background()
	mustList(t, svc, "cop@example.org", PostMembers)
	must(t, svc.AddMember(ctx, "cop@example.org", &Member{Address: "mod@example.org", Role: RoleModerator}))
	must(t, svc.AddMember(ctx, "cop@example.org", &Member{Address: "owner@example.org", Role: RoleOwner}))

	head := "From: Eve <eve@example.com>\r\nTo: cop@example.org\r\nSubject: a huge one\r\nMessage-ID: <big1@example.com>\r\n\r\n"
	body := "first line of the body\r\n" + strings.Repeat("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\r\n", 40000) + "THE LAST LINE\r\n"
	receive(t, svc, "cop@example.org", "eve@example.com", head+body)
	n := latestTo(t, svc, "mod@example.org, owner@example.org")
	if len(n.Raw) > moderation.AttachMax {
		t.Errorf("notice of a %d-byte post is %d bytes, want at most %d", len(head+body), len(n.Raw), moderation.AttachMax)
	}
	e, err := message.Read(bytes.NewReader(n.Raw))
	if err != nil {
		t.Fatal(err)
	}
	mr := e.MultipartReader()
	if mr == nil {
		t.Fatal("notice is not multipart")
	}
	var types []string
	var parts []string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ct, _, _ := p.Header.ContentType()
		b, _ := io.ReadAll(p.Body)
		types, parts = append(types, ct), append(parts, string(b))
	}
	if len(types) != 3 || types[1] != "text/rfc822-headers" || types[2] != "text/plain" {
		t.Fatalf("parts %v, want the notice, text/rfc822-headers, text/plain", types)
	}
	if !strings.Contains(parts[1], "Subject: a huge one") || strings.Contains(parts[1], "first line") {
		t.Errorf("header part %q", parts[1])
	}
	if !strings.HasPrefix(parts[2], "first line of the body\r\n") || strings.Contains(parts[2], "THE LAST LINE") || !strings.HasSuffix(parts[2], "\r\n") {
		t.Errorf("excerpt part: %d bytes, starts %q", len(parts[2]), parts[2][:min(40, len(parts[2]))])
	}

	// A small post is still attached whole.
	receive(t, svc, "cop@example.org", "eve@example.com", strings.Replace(head, "big1", "small1", 1)+"short body\r\n")
	if small := latestTo(t, svc, "mod@example.org, owner@example.org"); !bytes.Contains(small.Raw, []byte("message/rfc822")) || !bytes.Contains(small.Raw, []byte("short body")) {
		t.Errorf("small post not attached whole:\n%s", small.Raw)
	}
}

// A non-member whose post is held is told that it waits, once a day per
// list however many posts they send; bulk and automatic senders, and
// members whose posts are moderated, are never told.
func TestHeldAuthorToldOnceADay(t *testing.T) {
	svc := newTestService(t)
	svc.setDMARC(fakeDMARC{})
	ctx := context.Background()
	day := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	svc.cfg.Now = func() time.Time { return day }
	mustList(t, svc, "cop@example.org", PostMembers)
	mustList(t, svc, "two@example.org", PostMembers)
	must(t, svc.AddMember(ctx, "cop@example.org", &Member{Address: "mod@example.org", Role: RoleModerator}))
	must(t, svc.AddMember(ctx, "cop@example.org", &Member{Address: "watched@example.com", Moderated: true}))
	send := func(list, from, extra string, n int) {
		for i := 0; i < n; i++ {
			receive(t, svc, list, from, "From: "+from+"\r\nTo: "+list+"\r\nSubject: hello\r\n"+extra+
				"Message-ID: <"+strconv.Itoa(i)+"."+strconv.FormatInt(day.Unix(), 10)+"."+from+">\r\n\r\nHello.\r\n")
		}
	}
	// Every notice to the author is a "waits" one: nothing else is sent
	// to them here.
	waiting := func(to string) int { t.Helper(); return countMessages(t, svc, store.KindNotice, to) }
	send("cop@example.org", "eve@example.com", "", 3)
	if n := waiting("eve@example.com"); n != 1 {
		t.Errorf("three held posts in a day: told %d times, want 1", n)
	}
	send("two@example.org", "eve@example.com", "", 1)
	if n := waiting("eve@example.com"); n != 2 {
		t.Errorf("a post to a second list: told %d times in all, want 2", n)
	}
	day = day.Add(24 * time.Hour)
	send("cop@example.org", "eve@example.com", "", 2)
	if n := waiting("eve@example.com"); n != 3 {
		t.Errorf("the next day: told %d times in all, want 3", n)
	}
	send("cop@example.org", "news@example.com", "Precedence: bulk\r\n", 1)
	send("cop@example.org", "other-bounces@example.com", "List-Id: <other.example.com>\r\n", 1)
	send("cop@example.org", "noreply@example.com", "", 1)
	send("cop@example.org", "watched@example.com", "", 1)
	for _, who := range []string{"news@example.com", "other-bounces@example.com", "noreply@example.com", "watched@example.com"} {
		if n := waiting(who); n != 0 {
			t.Errorf("%s told %d times, want never", who, n)
		}
	}
	_, held, err := svc.Moderation().Held(ctx, "cop@example.org")
	must(t, err)
	if len(held) != 9 {
		t.Errorf("%d posts held, want 9 (telling the author holds them all the same)", len(held))
	}
}
