package spam

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
)

// Rspamd asks rspamd's normal worker over its HTTP protocol (POST
// /checkv2, rspamd's "protocol v2"; Debian's rspamd 3.4).
type Rspamd struct {
	url    string
	client *http.Client
}

var _ Filter = (*Rspamd)(nil)

// NewRspamd is the filter at base (http://127.0.0.1:11333). The checks'
// context bounds each request.
func NewRspamd(base string) *Rspamd {
	return &Rspamd{url: strings.TrimRight(base, "/") + "/checkv2", client: &http.Client{}}
}

func (r *Rspamd) Name() string { return "rspamd" }

// maxFilterReply bounds what is read of a filter's answer: one post's
// symbols, never megabytes.
const maxFilterReply = 1 << 20

// rspamdReply is the part of rspamd's answer read here.
type rspamdReply struct {
	Score         float64 `json:"score"`
	RequiredScore float64 `json:"required_score"`
	Action        string  `json:"action"`
	Symbols       map[string]struct {
		Score float64 `json:"score"`
	} `json:"symbols"`
}

func (r *Rspamd) Score(ctx context.Context, in Input) (Score, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.url, bytes.NewReader(in.Raw))
	if err != nil {
		return Score{}, fmt.Errorf("rspamd: %w", err)
	}
	// What the SMTP transaction told us, which rspamd's rules also read.
	if in.IP.IsValid() {
		req.Header.Set("IP", in.IP.Unmap().String())
	}
	if in.HELO != "" {
		req.Header.Set("Helo", in.HELO)
	}
	if in.MailFrom != "" {
		req.Header.Set("From", in.MailFrom)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return Score{}, fmt.Errorf("rspamd: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxFilterReply))
	if err != nil {
		return Score{}, fmt.Errorf("rspamd: reading the answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return Score{}, fmt.Errorf("rspamd: %s", resp.Status)
	}
	var rep rspamdReply
	if err := json.Unmarshal(body, &rep); err != nil {
		return Score{}, fmt.Errorf("rspamd: the answer is no JSON: %w", err)
	}
	names := make([]string, 0, len(rep.Symbols))
	for name, s := range rep.Symbols {
		if s.Score > 0 {
			names = append(names, name)
		}
	}
	sort.Slice(names, func(i, j int) bool {
		si, sj := rep.Symbols[names[i]].Score, rep.Symbols[names[j]].Score
		return si > sj || si == sj && names[i] < names[j]
	})
	// GTUBE and other forced actions score 0 but decide: list them too.
	if _, ok := rep.Symbols["GTUBE"]; ok && !slices.Contains(names, "GTUBE") {
		names = append([]string{"GTUBE"}, names...)
	}
	// rspamd's actions in its order of severity: "no action" and
	// "greylist" let mail in, "soft reject" defers it (a rate limit, not
	// a verdict on the content), the rest mark it as spam.
	over := rep.Action == "add header" || rep.Action == "rewrite subject" || rep.Action == "reject"
	return Score{Value: rep.Score, Required: rep.RequiredScore, Over: over, Rules: top(names)}, nil
}

// top keeps the first few rules: the reason stays one line.
func top(rules []string) []string {
	if len(rules) > 5 {
		return rules[:5]
	}
	return rules
}
