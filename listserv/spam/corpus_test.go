package spam_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"praxis/listserv/spam"
	"praxis/listserv/spam/spamtest"
	"praxis/listserv/store"
)

// corpus is SpamAssassin's public test spam (t/data/spam), beside the
// module in the shared corpora.
const corpus = "../../../shared/corpora/spamassassin-tdata/spam"

// TestPublicSpamCorpus posts every message of the public spam corpus to a
// list as a non-member, over real SMTP, from an address the checks judge
// (a blocklist zone and SPF asked too), once through each real filter: on
// a list that refuses what the filter flags, each ends refused at DATA or
// held, none relayed; the GTUBE messages are refused. The counts are what
// each filter caught (go test -v prints them).
func TestPublicSpamCorpus(t *testing.T) {
	if _, err := os.Stat(corpus); errors.Is(err, fs.ErrNotExist) && os.Getenv("CI") == "" {
		t.Skipf("corpus not present at %s (CI=true makes this a failure)", corpus)
	}
	entries, err := os.ReadDir(corpus)
	if err != nil {
		t.Fatalf("corpus at %s: %v", corpus, err)
	}
	var files []string
	for _, e := range entries {
		if e.Type().IsRegular() {
			files = append(files, e.Name())
		}
	}
	sort.Strings(files)
	if len(files) < 40 {
		t.Fatalf("the corpus holds %d messages, want its 48", len(files))
	}
	filters := []struct {
		name string
		make func(t *testing.T) spam.Filter
	}{
		{"spamd", func(t *testing.T) spam.Filter { return spam.NewSpamd(spamtest.Spamd(t)) }},
		{"rspamd", func(t *testing.T) spam.Filter { return spam.NewRspamd(spamtest.Rspamd(t)) }},
	}
	for _, f := range filters {
		t.Run(f.name, func(t *testing.T) {
			r := newRig(t, spam.Config{Filter: f.make(t), Zones: []string{"bl.example"}}, false, func(l *store.List) { l.SpamAction = store.SpamReject })
			counts := map[string]int{}
			var caught []string
			for _, name := range files {
				raw, err := os.ReadFile(filepath.Join(corpus, name))
				if err != nil {
					t.Fatal(err)
				}
				code, msg := r.post("spammer@nowhere.example", raw)
				switch {
				case code == 550 && strings.Contains(msg, "spam"):
					counts["refused: content"]++
					caught = append(caught, name)
					continue
				case code == 550 && strings.Contains(msg, "blocklist"):
					counts["refused: blocklist"]++
					continue
				case code == 550 && strings.Contains(msg, "SPF"):
					counts["refused: SPF"]++
					continue
				case code == 550 && strings.Contains(msg, "More than one From"):
					// Refused before the checks (RFC 7489 §6.6.1).
					counts["refused: more than one From field"]++
					continue
				case code != 250:
					t.Errorf("%s: %d %q", name, code, msg)
					continue
				}
				m := r.outcome()
				switch {
				case m == nil:
					t.Errorf("%s: a 250 and nothing kept", name)
				case m.State == store.StateAccepted:
					t.Errorf("%s: relayed (%s)", name, m.Reason)
				case m.State == store.StateHeld && strings.HasPrefix(m.Reason, "spam: "):
					counts["held: "+strings.SplitN(strings.TrimPrefix(m.Reason, "spam: "), ":", 2)[0]]++
				default:
					counts[m.State+" (not flagged)"]++
				}
			}
			for _, g := range []string{"gtube.eml", "gtubedcc.eml", "gtubedcc_crlf.eml"} {
				if !slices.Contains(caught, g) {
					t.Errorf("%s was not refused", g)
				}
			}
			keys := make([]string, 0, len(counts))
			for k := range counts {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				t.Logf("%s: %s %d of %d", f.name, k, counts[k], len(files))
			}
			t.Logf("%s caught: %s", f.name, strings.Join(caught, " "))
		})
	}
}
