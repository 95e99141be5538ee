package spam

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
)

// Spamd asks SpamAssassin's spamd over the SPAMC/SPAMD protocol
// (SpamAssassin's spamd/PROTOCOL; Debian's spamassassin 4.0).
type Spamd struct {
	addr string
	dial net.Dialer
}

var _ Filter = (*Spamd)(nil)

// NewSpamd is the filter at addr (host:port). The checks' context bounds
// each exchange.
func NewSpamd(addr string) *Spamd { return &Spamd{addr: addr} }

func (s *Spamd) Name() string { return "spamd" }

func (s *Spamd) Score(ctx context.Context, in Input) (Score, error) {
	conn, err := s.dial.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return Score{}, fmt.Errorf("spamd: %w", err)
	}
	defer conn.Close()
	if d, ok := ctx.Deadline(); ok {
		conn.SetDeadline(d)
	}
	// SYMBOLS: the verdict in a "Spam:" header, the rules that hit in the
	// body. Content-length is required by spamd for a message body.
	w := bufio.NewWriter(conn)
	fmt.Fprintf(w, "SYMBOLS SPAMC/1.5\r\nContent-length: %d\r\n\r\n", len(in.Raw))
	w.Write(in.Raw)
	if err := w.Flush(); err != nil {
		return Score{}, fmt.Errorf("spamd: sending: %w", err)
	}
	// spamd reads exactly Content-length bytes; closing our side is not
	// needed, but tells a spamd that waits for more that there is none.
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.CloseWrite()
	}
	return parseSpamd(io.LimitReader(conn, maxFilterReply))
}

// parseSpamd reads spamd's reply: "SPAMD/1.1 0 EX_OK", headers with
// "Spam: True ; 15.2 / 5.0", a blank line, and the rules that hit,
// comma-separated.
func parseSpamd(r io.Reader) (Score, error) {
	br := bufio.NewReader(r)
	status, err := br.ReadString('\n')
	if err != nil {
		return Score{}, fmt.Errorf("spamd: reading the answer: %w", err)
	}
	f := strings.Fields(status)
	if len(f) < 3 || !strings.HasPrefix(f[0], "SPAMD/") {
		return Score{}, fmt.Errorf("spamd: not a SPAMD answer: %q", strings.TrimSpace(status))
	}
	if f[1] != "0" {
		return Score{}, fmt.Errorf("spamd: %s", strings.TrimSpace(strings.Join(f[1:], " ")))
	}
	var sc Score
	seen := false
	for {
		line, err := br.ReadString('\n')
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			if err != nil && err != io.EOF {
				return Score{}, fmt.Errorf("spamd: reading the answer: %w", err)
			}
			break
		}
		name, value, ok := strings.Cut(line, ":")
		if ok && strings.EqualFold(strings.TrimSpace(name), "Spam") {
			if sc, err = parseSpamHeader(value); err != nil {
				return Score{}, err
			}
			seen = true
		}
		if err != nil {
			break
		}
	}
	if !seen {
		return Score{}, fmt.Errorf("spamd: the answer has no Spam header")
	}
	body, _ := io.ReadAll(br)
	for _, rule := range strings.Split(strings.TrimSpace(string(body)), ",") {
		if rule = strings.TrimSpace(rule); rule != "" {
			sc.Rules = append(sc.Rules, rule)
		}
	}
	// spamd gives the rules by name, not by score: GTUBE first if it hit.
	for i, rule := range sc.Rules {
		if rule == "GTUBE" {
			sc.Rules = append([]string{"GTUBE"}, append(sc.Rules[:i:i], sc.Rules[i+1:]...)...)
			break
		}
	}
	sc.Rules = top(sc.Rules)
	return sc, nil
}

// parseSpamHeader reads " True ; 15.2 / 5.0".
func parseSpamHeader(v string) (Score, error) {
	verdict, scores, ok := strings.Cut(v, ";")
	got, req, ok2 := strings.Cut(scores, "/")
	if !ok || !ok2 {
		return Score{}, fmt.Errorf("spamd: bad Spam header %q", strings.TrimSpace(v))
	}
	value, err1 := strconv.ParseFloat(strings.TrimSpace(got), 64)
	required, err2 := strconv.ParseFloat(strings.TrimSpace(req), 64)
	if err1 != nil || err2 != nil {
		return Score{}, fmt.Errorf("spamd: bad Spam header %q", strings.TrimSpace(v))
	}
	verdict = strings.ToLower(strings.TrimSpace(verdict))
	return Score{Value: value, Required: required, Over: verdict == "true" || verdict == "yes"}, nil
}
