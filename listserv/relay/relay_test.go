package relay

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"praxis/listserv/authorship"
	"praxis/listserv/store"
	"praxis/templates"
)

type transforms map[int64]string

func (t transforms) SetTransform(_ context.Context, id int64, transform string) error {
	t[id] = transform
	return nil
}

func newCopies(t transforms) *Copies {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	return New(t, authorship.New(nil, nil, log, nil), templates.MustParse(), "https://lists.example.org", log)
}

// The transform is decided once and stored; a stored one is obeyed.
func TestRelayableDecidesOnce(t *testing.T) {
	ctx := context.Background()
	stored := transforms{}
	c := newCopies(stored)
	l := &store.List{ID: 1, Address: "cop@example.org", Name: "CoP", DMARCAction: store.DMARCMunge}
	raw := "From: Ann <ann@example.net>\r\nSubject: x\r\n\r\nbody\r\n"
	m := &store.Message{ID: 7, Raw: []byte(raw)}
	out, err := c.Relayable(ctx, l, m)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != raw || stored[7] != TransformNone {
		t.Errorf("without DMARC checks: transform %q, bytes changed %v", stored[7], string(out) != raw)
	}
	m2 := &store.Message{ID: 8, Raw: []byte(raw), Transform: TransformMunge}
	out, err = c.Relayable(ctx, l, m2)
	if err != nil {
		t.Fatal(err)
	}
	if _, again := stored[8]; again || !strings.Contains(string(out), "cop@example.org") || !strings.HasSuffix(string(out), "\r\n\r\nbody\r\n") {
		t.Errorf("a stored munge: stored again %v, got\n%s", again, out)
	}
}

func TestCopyListLinksOnlyAnArchiveItKeeps(t *testing.T) {
	c := newCopies(transforms{})
	l := &store.List{Address: "cop@example.org", Name: "CoP", Prefix: "[cop] ", ArchivePolicy: store.ArchivePublic}
	rl := c.CopyList(l)
	if rl.ArchiveURL != "https://lists.example.org/l/cop@example.org/" || rl.PermalinkBase != "https://lists.example.org/m/" || !strings.Contains(rl.Footer, "cop-request@example.org") {
		t.Errorf("CopyList = %+v", rl)
	}
	l.ArchivePolicy = store.ArchiveNone
	if rl := c.CopyList(l); rl.ArchiveURL != "" || rl.PermalinkBase != "" {
		t.Errorf("a list without archive links to one: %+v", rl)
	}
}
