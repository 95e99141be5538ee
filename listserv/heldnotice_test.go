package listserv

import (
	"bytes"
	"context"
	"io"
	"praxis/listserv/moderation"
	"strings"
	"testing"

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
	n := lastNotice(t, svc)
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
	if small := lastNotice(t, svc); !bytes.Contains(small.Raw, []byte("message/rfc822")) || !bytes.Contains(small.Raw, []byte("short body")) {
		t.Errorf("small post not attached whole:\n%s", small.Raw)
	}
}
