package store

import (
	"encoding/json"
	"fmt"
)

// Spam is what the spam checks found about a live post when it came, before
// its 250 (the spam room, listserv/spam): kept with the message
// (messages.spam, migration 0026) so that the rules, a moderator and a
// restarted process read the same findings without asking again. The
// zero value is a post no check looked at.
type Spam struct {
	// SPF is the RFC 7208 result for the envelope sender (or the HELO name
	// of a null sender), and SPFDomain the domain it was for; "" when not
	// checked (no connecting address: a front MTA, an IMAP mailbox).
	SPF       string `json:"spf,omitempty"`
	SPFDomain string `json:"spf_domain,omitempty"`
	// Listed names each --dnsbl zone that lists the connecting address,
	// with its answer: "zen.example (127.0.0.2)".
	Listed []string `json:"listed,omitempty"`
	// Filter is the content filter asked ("rspamd", "spamd"), "" for none.
	Filter string `json:"filter,omitempty"`
	// Scored is set when the filter answered: Score is its score,
	// Required its own threshold, Over its own verdict, Rules the rules
	// that scored most. Unscored says why a filter that was asked gave no
	// score (down, too slow, the message too big).
	Scored   bool     `json:"scored,omitempty"`
	Score    float64  `json:"score,omitempty"`
	Required float64  `json:"required,omitempty"`
	Over     bool     `json:"over,omitempty"`
	Rules    []string `json:"rules,omitempty"`
	Unscored string   `json:"unscored,omitempty"`
}

// IsZero tells whether no check looked at the post.
func (s *Spam) IsZero() bool {
	return s == nil || (s.SPF == "" && len(s.Listed) == 0 && s.Filter == "")
}

// spamColumn is sp as messages.spam holds it: empty for none.
func spamColumn(sp *Spam) (string, error) {
	if sp.IsZero() {
		return "", nil
	}
	b, err := json.Marshal(sp)
	if err != nil {
		return "", fmt.Errorf("store: spam findings: %w", err)
	}
	return string(b), nil
}

// parseSpam reads messages.spam; what cannot be read is no finding (the
// column is only ever written by spamColumn).
func parseSpam(col string) *Spam {
	if col == "" {
		return nil
	}
	var sp Spam
	if err := json.Unmarshal([]byte(col), &sp); err != nil {
		return nil
	}
	return &sp
}
