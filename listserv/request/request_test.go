package request

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"praxis/listserv/store"
)

func TestDescribe(t *testing.T) {
	l := &store.List{Name: "Cops", Address: "cop@example.org"}
	tests := []struct {
		kind string
		data string
		want string
	}{
		{store.PendingSubscribe, "", "Subscribe ann@example.net to Cops (cop@example.org)?"},
		{store.PendingInvite, "", "Accept the invitation for ann@example.net to join Cops (cop@example.org)?"},
		{store.PendingUnsubscribe, "", "Unsubscribe ann@example.net from Cops (cop@example.org)?"},
		{store.PendingReenable, "", "Start delivering Cops to ann@example.net again?"},
		{store.PendingCommand, "set digest mime", "Carry out the command “set digest mime” for ann@example.net on Cops (cop@example.org)?"},
		// Held posts and subscriptions awaiting approval are decided by
		// moderators, by replying to their notice, not by a link.
		{store.PendingApproval, "", "Moderators decide by replying to the notice they received."},
		{store.PendingHeld, "<post1@example.net>", "Moderators decide by replying to the notice they received."},
		{"no-such-kind", "", "Moderators decide by replying to the notice they received."},
	}
	for _, tt := range tests {
		p := &store.Pending{Kind: tt.kind, Address: "ann@example.net", Name: "Ann", Data: tt.data}
		if got := Describe(p, l); got != tt.want {
			t.Errorf("Describe(%s) = %q, want %q", tt.kind, got, tt.want)
		}
	}
}

// TestUnsubscribePath checks that a list address comes back whole from the
// link, whatever it holds: a "/" that would add a path segment, a space, a
// "?" that would start a query.
func TestUnsubscribePath(t *testing.T) {
	const token = "YW5uQGV4YW1wbGUubmV0.q-_Zm9vYmFy"
	tests := []struct {
		list string
		want string
	}{
		{"cop@example.org", "/l/cop@example.org/unsubscribe/" + token},
		{"a/b c?d@example.org", "/l/a%2Fb%20c%3Fd@example.org/unsubscribe/" + token},
		{"50%#off@example.org", "/l/50%25%23off@example.org/unsubscribe/" + token},
	}
	for _, tt := range tests {
		got := UnsubscribePath(tt.list, token)
		if got != tt.want {
			t.Errorf("UnsubscribePath(%q) = %q, want %q", tt.list, got, tt.want)
		}
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("url.Parse(%q): %v", got, err)
		}
		if u.RawQuery != "" || u.Fragment != "" {
			t.Errorf("%q has a query %q or fragment %q", got, u.RawQuery, u.Fragment)
		}
		var segs []string
		for _, s := range strings.Split(u.EscapedPath(), "/") {
			seg, err := url.PathUnescape(s)
			if err != nil {
				t.Fatalf("segment %q of %q: %v", s, got, err)
			}
			segs = append(segs, seg)
		}
		if want := []string{"", "l", tt.list, "unsubscribe", token}; !slices.Equal(segs, want) {
			t.Errorf("segments of %q = %q, want %q", got, segs, want)
		}

		// The web's route reads the same list and token back.
		mux := http.NewServeMux()
		var list, tok string
		mux.HandleFunc("GET /l/{list}/unsubscribe/{token}", func(_ http.ResponseWriter, r *http.Request) {
			list, tok = r.PathValue("list"), r.PathValue("token")
		})
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, got, nil))
		if rec.Code != http.StatusOK || list != tt.list || tok != token {
			t.Errorf("route of %q: %d, list %q, token %q; want 200, %q, %q", got, rec.Code, list, tok, tt.list, token)
		}
	}
}

// TestSettingsToken: a settings link's token gives back its grant, and is
// refused altered, under another key, or expired.
func TestSettingsToken(t *testing.T) {
	key, other := []byte("key one"), []byte("key two")
	now := time.Unix(1_800_000_000, 0)
	g := SettingsGrant{Address: "ann@example.net", List: "cop@example.org", Setting: "delivery", Expires: now.Add(SettingsLinkLife)}
	tok := SettingsToken(key, g)
	got, err := ParseSettingsToken(key, tok, now)
	if err != nil {
		t.Fatal(err)
	}
	if got.Address != g.Address || got.List != g.List || got.Setting != g.Setting || !got.Expires.Equal(g.Expires) || got.Nonce == "" {
		t.Errorf("grant = %+v, want %+v with a nonce", got, g)
	}
	if again, _ := ParseSettingsToken(key, SettingsToken(key, g), now); again == nil || again.Nonce == got.Nonce {
		t.Errorf("two links of one grant share a nonce: %v", again)
	}
	p64, sig, _ := strings.Cut(tok, ".")
	forged := enc.EncodeToString([]byte(strings.Replace(mustDecode(t, p64), "delivery", "expertise", 1))) + "." + sig
	tests := []struct {
		name string
		key  []byte
		tok  string
		at   time.Time
	}{
		{"another key", other, tok, now},
		{"expired", key, tok, g.Expires},
		{"altered setting", key, forged, now},
		{"no signature", key, p64, now},
		{"garbage", key, "x.y", now},
	}
	for _, tt := range tests {
		if _, err := ParseSettingsToken(tt.key, tt.tok, tt.at); !errors.Is(err, ErrBadSettingsLink) {
			t.Errorf("%s: %v, want ErrBadSettingsLink", tt.name, err)
		}
	}
}

func mustDecode(t *testing.T, s string) string {
	t.Helper()
	b, err := enc.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestOnOff(t *testing.T) {
	for in, want := range map[string][2]bool{"on": {true, true}, "YES": {true, true}, " off ": {false, true}, "No": {false, true},
		"": {false, false}, "1": {false, false}, "true": {false, false}, "onn": {false, false}} {
		on, ok := OnOff(in)
		if on != want[0] || ok != want[1] {
			t.Errorf("OnOff(%q) = %v, %v; want %v, %v", in, on, ok, want[0], want[1])
		}
	}
}
