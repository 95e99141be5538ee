package digest

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"
	"unicode/utf8"

	"praxis/archive/learn"
	"praxis/templates"
)

// The templates live with the project's others, in templates/digest, and
// are parsed when the package loads: a broken template fails start-up and
// every test.
var templateFiles = templates.Digest

var (
	textTemplates = texttemplate.Must(texttemplate.New("").Funcs(texttemplate.FuncMap(funcs)).ParseFS(templateFiles, "digest/*.txt"))
	htmlTemplates = htmltemplate.Must(htmltemplate.New("").Funcs(htmltemplate.FuncMap(funcs)).ParseFS(templateFiles, "digest/*.html"))
)

// width is the column plain text is wrapped at.
const width = 72

var funcs = map[string]any{
	"wrap":      wrap,
	"hang":      hang,
	"period":    periodLabel,
	"day":       func(t time.Time) string { return t.UTC().Format("Mon 2 Jan") },
	"duration":  humanDuration,
	"plural":    plural,
	"join":      strings.Join,
	"names":     names,
	"add":       func(a, b int) int { return a + b },
	"rule":      func(s string) string { return strings.Repeat("=", utf8.RuneCountInString(s)) },
	"upper":     strings.ToUpper,
	"firstName": firstName,
	"helped":    helped,
}

// helped says what a helper did: "answered in 3 threads, thanked for 1
// answer, 4 people replied to their answers".
func helped(h Helper) string {
	s := h.Name + ": answered in " + plural(h.Threads, "thread", "threads")
	if h.Thanked > 0 {
		s += ", thanked for " + plural(h.Thanked, "answer", "answers")
	}
	if h.FollowUps > 0 {
		s += ", " + plural(h.FollowUps, "follow-up", "follow-ups") + " from others"
	}
	return s
}

// RenderText renders the summary as plain text (the text/plain part, and
// `praxis digest preview --format text`).
func RenderText(s *Summary) (string, error) {
	var b bytes.Buffer
	if err := textTemplates.ExecuteTemplate(&b, "summary.txt", s); err != nil {
		return "", fmt.Errorf("digest: render text: %w", err)
	}
	return tidyText(b.String()), nil
}

// RenderHTML renders the summary as an HTML mail body: tables for layout
// and inline styles only, which Gmail and Outlook keep; no scripts, no
// remote images or fonts.
func RenderHTML(s *Summary) (string, error) {
	var b bytes.Buffer
	if err := htmlTemplates.ExecuteTemplate(&b, "summary.html", s); err != nil {
		return "", fmt.Errorf("digest: render html: %w", err)
	}
	return b.String(), nil
}

// tidyText removes trailing spaces and runs of more than one blank line
// that template actions leave.
func tidyText(s string) string {
	lines := strings.Split(s, "\n")
	var out []string
	blank := 0
	for _, l := range lines {
		if l != "-- " { // the signature separator keeps its space
			l = strings.TrimRight(l, " \t")
		}
		if l == "" {
			blank++
			if blank > 1 {
				continue
			}
		} else {
			blank = 0
		}
		out = append(out, l)
	}
	return strings.TrimLeft(strings.Join(out, "\n"), "\n")
}

// wrap fills text to the width, every line indented by indent spaces.
func wrap(indent int, text string) string {
	filled := wrapAt(text, width-indent)
	if filled == "" {
		return ""
	}
	pad := strings.Repeat(" ", indent)
	return pad + strings.ReplaceAll(filled, "\n", "\n"+pad)
}

// hang is wrap for text that follows a prefix already written: the first
// line is not indented.
func hang(indent int, text string) string {
	return strings.TrimLeft(wrap(indent, text), " ")
}

// periodLabel names a period: "week of 12 April 2021 (12–18 April)", a
// day, or a range.
func periodLabel(start, end time.Time) string {
	start, end = start.UTC(), end.UTC()
	last := end.Add(-time.Second)
	switch end.Sub(start) {
	case 7 * 24 * time.Hour:
		return fmt.Sprintf("week of %s (%s to %s)", start.Format("2 January 2006"), start.Format("Mon 2 Jan"), last.Format("Mon 2 Jan"))
	case 24 * time.Hour:
		return start.Format("Monday 2 January 2006")
	}
	return fmt.Sprintf("%s to %s", start.Format("2 January 2006"), last.Format("2 January 2006"))
}

// humanDuration writes a wait as people say it: "40 min", "3 h 20 min",
// "2 days 4 h".
func humanDuration(d time.Duration) string {
	d = d.Round(time.Minute)
	switch {
	case d < time.Minute:
		return "under a minute"
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 24*time.Hour:
		h, m := int(d.Hours()), int(d.Minutes())%60
		if m == 0 {
			return fmt.Sprintf("%d h", h)
		}
		return fmt.Sprintf("%d h %d min", h, m)
	}
	days, h := int(d.Hours())/24, int(d.Hours())%24
	s := plural(days, "day", "days")
	if h > 0 {
		s += fmt.Sprintf(" %d h", h)
	}
	return s
}

// plural writes "1 post", "2 posts".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// names joins newcomers' names: "A, B and C", "A, B and 3 others".
func names(ns []Newcomer, more int) string {
	var parts []string
	for _, n := range ns {
		parts = append(parts, n.Name)
	}
	if more > 0 {
		parts = append(parts, plural(more, "other", "others"))
	}
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// firstName is how a summary greets a member.
func firstName(m *Member) string {
	if m == nil {
		return ""
	}
	n := learn.DisplayName(m.Name, m.Address)
	if f := strings.Fields(n); len(f) > 0 {
		return f[0]
	}
	return n
}

// Subject is the summary mail's subject: "[List] What the community
// learned, week of 2021-04-12".
func Subject(s *Summary) string {
	prefix := strings.TrimSpace(s.List.Prefix)
	if prefix == "" {
		prefix = "[" + s.List.Name + "]"
	}
	start := s.Start.UTC()
	switch s.End.Sub(s.Start) {
	case 7 * 24 * time.Hour:
		return fmt.Sprintf("%s What the community learned, week of %s", prefix, start.Format("2006-01-02"))
	case 24 * time.Hour:
		return fmt.Sprintf("%s What the community learned on %s", prefix, start.Format("2006-01-02"))
	}
	return fmt.Sprintf("%s What the community learned, %s to %s", prefix, start.Format("2006-01-02"), s.End.UTC().Add(-time.Second).Format("2006-01-02"))
}
