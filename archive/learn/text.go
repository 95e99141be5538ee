package learn

import (
	"io"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"

	"praxis/listserv/mailmsg"
)

// maxText bounds the text read from one part of a post.
const maxText = 256 << 10

// Content is a post's readable text: its inline text parts in order, and
// what else it carried.
type Content struct {
	Texts []string   // decoded inline text parts; an HTML-only part as text
	Notes []PartNote // the other parts (attachments, images, forwarded mail)
}

// PartNote names a part that is not shown as text.
type PartNote struct {
	Name string // the file name, when the part has one
	Type string // the media type
}

// ReadContent decodes a post the way a reader sees it: every inline
// text/plain part, the text/html of an alternative that has no plain
// part (as text), and a note for every other part. A malformed message
// gives what could be read.
func ReadContent(raw []byte) Content {
	return readParts(raw, false)
}

// firstText is the first text part of a post, decoded, read no further.
func firstText(raw []byte) string {
	c := readParts(raw, true)
	if len(c.Texts) == 0 {
		return ""
	}
	return c.Texts[0]
}

// readParts walks the post (mailmsg.Walk, which picks one part of each
// alternative); first stops it at the first text part.
func readParts(raw []byte, first bool) Content {
	var c Content
	mailmsg.Walk(raw, func(p *mailmsg.Part) bool {
		switch {
		case p.MediaType == "text/plain" && !p.Attached():
			b, _ := io.ReadAll(io.LimitReader(p.Body, maxText))
			c.Texts = append(c.Texts, toUTF8(b))
		case p.MediaType == "text/html" && !p.Attached():
			b, _ := io.ReadAll(io.LimitReader(p.Body, maxText))
			c.Texts = append(c.Texts, htmlText(toUTF8(b)))
		default:
			c.Notes = append(c.Notes, PartNote{Name: p.Filename, Type: p.MediaType})
		}
		return !first || len(c.Texts) == 0
	})
	return c
}

// toUTF8 makes sure text is valid UTF-8 (go-message has already decoded
// the declared charset; undeclared 8-bit text is taken as Latin-1).
func toUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

// htmlText turns an HTML body into plain text: blocks become lines,
// blockquotes become "> " quotes (so the cleaner drops them as quotes),
// script and style vanish.
func htmlText(src string) string {
	z := html.NewTokenizer(strings.NewReader(src))
	var out strings.Builder
	var line strings.Builder
	quote, skip := 0, 0
	flush := func() {
		t := strings.TrimSpace(line.String())
		line.Reset()
		out.WriteString(strings.Repeat("> ", quote))
		out.WriteString(t)
		out.WriteByte('\n')
	}
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if line.Len() > 0 {
				flush()
			}
			return out.String()
		case html.TextToken:
			if skip == 0 {
				t := strings.Join(strings.Fields(string(z.Text())), " ")
				if t != "" {
					if line.Len() > 0 {
						line.WriteByte(' ')
					}
					line.WriteString(t)
				}
			}
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			tag := string(name)
			switch tag {
			case "script", "style", "head", "title":
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
			case "blockquote":
				if line.Len() > 0 {
					flush()
				}
				if tt == html.StartTagToken {
					quote++
				} else if tt == html.EndTagToken && quote > 0 {
					quote--
				}
			case "br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "table", "ul", "ol", "hr":
				if line.Len() > 0 || tag == "br" || (tag == "p" && tt == html.EndTagToken) {
					flush()
				}
			}
		}
	}
}

// Cleaning a post down to what its author wrote. Mail carries much that
// is not the author's: quotes ("> " lines, or whole messages pasted under
// an Outlook header block), attribution lines, signatures, the list's
// footer, "Sent from my phone". A summary must never present any of it as
// the author's words.

var (
	// An attribution line introduces a quote: "On Mon, ... X wrote:",
	// and its equivalents in the languages seen on lists.
	attributionEnd = regexp.MustCompile(`(?i)(wrote|writes|ha scritto|schrieb|a écrit|escribió|escreveu|skrev|kirjoitti|napisał|написал|schreef)\s*:\s*$|写道[:：]?\s*$`)
	// Outlook and webmail quote headers: what follows is the quoted message.
	originalMessage = regexp.MustCompile(`(?i)^\s*[-_=]*\s*(original message|forwarded message|ursprüngliche nachricht|message d'origine|messaggio originale)\s*[-_=]*\s*$`)
	headerLine      = regexp.MustCompile(`(?i)^\s*\*?(from|de|von|da|van|od|发件人)\s*:\*?\s+\S`)
	sentLine        = regexp.MustCompile(`(?i)^\s*\*?(sent|date|datum|envoyé|inviato|gesendet|enviado|发送时间|to|subject|cc)\s*:\*?`)
	// Boilerplate lines a mailer or gateway adds.
	boilerplate = regexp.MustCompile(`(?i)^\s*(sent from my \S.*|sent from (mail|outlook|yahoo|samsung|gmail).*|get outlook for \S.*|sent via \S.*|sent with \S.* mail.*|\[?ext(ernal)? email\]?:.*be mindful.*|caution: this email originated .*)$`)
	underscores = regexp.MustCompile(`^\s*[_=-]{10,}\s*$`)
)

// OwnText returns what the author wrote in a text part: quoted lines,
// attribution lines, a quoted message pasted below (top-posting), the
// signature and the list footer are left out. The rest keeps its line
// breaks.
func OwnText(text string) string {
	text = NormalizeSpace(text)
	lines := strings.Split(text, "\n")
	end := len(lines)

	// Cut at the first footer, signature or pasted original message.
	// (Cheap tests guard the regular expressions: this runs on every line
	// of every post loaded.)
	for i := 0; i < end; i++ {
		l := lines[i]
		t := strings.TrimSpace(l)
		if t == "" || t[0] == '>' {
			continue
		}
		rule := strings.IndexByte("_=-", t[0]) >= 0 && len(t) >= 10
		colon := strings.IndexByte(t, ':') >= 0
		switch {
		case l == "-- " || (t == "--" && nonEmptyAfter(lines[i+1:end]) <= 12):
			end = i
		case rule && underscores.MatchString(l) && footerFollows(lines[i+1:end]):
			end = i
		case (rule || len(t) < 60) && originalMessage.MatchString(l):
			end = i
		case colon && headerLine.MatchString(l) && quoteHeaderFollows(lines[i+1:end]):
			end = i
		case rule && underscores.MatchString(l) && i+1 < end && headerLine.MatchString(lines[i+1]):
			end = i
		}
	}
	lines = lines[:end]

	var out []string
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, ">") || strings.HasPrefix(t, "|>") {
			continue
		}
		if len(t) < 120 && boilerplate.MatchString(t) {
			continue
		}
		// An attribution may be wrapped over two or three lines:
		// "On Tue, Apr 6, 2021 at 12:40 AM Clark (US), Kenneth C <"
		// "kenneth.c.clark2@boeing.com> wrote:".
		if n := attributionAt(lines, i); n > 0 {
			next := i + n
			for next < len(lines) && strings.TrimSpace(lines[next]) == "" {
				next++
			}
			if next < len(lines) && !strings.HasPrefix(strings.TrimSpace(lines[next]), ">") {
				// Unmarked quote below (a top-post whose quote lost its
				// "> "): the rest is someone else's.
				break
			}
			i += n - 1
			continue
		}
		out = append(out, strings.TrimRight(l, " \t"))
	}
	return strings.Trim(strings.Join(out, "\n"), "\n")
}

// attributionAt tells how many lines (1 to 3) starting at i form an
// attribution line, 0 if none.
func attributionAt(lines []string, i int) int {
	if t := strings.TrimSpace(lines[i]); t == "" || (!strings.HasSuffix(t, ":") && !strings.HasSuffix(t, "：") && !attributionOnPrefix(t)) {
		return 0
	}
	joined := ""
	for n := 1; n <= 3 && i+n <= len(lines); n++ {
		joined = strings.TrimSpace(joined + " " + strings.TrimSpace(lines[i+n-1]))
		if len(joined) > 300 {
			return 0
		}
		if (strings.HasSuffix(joined, ":") || strings.HasSuffix(joined, "：")) && attributionEnd.MatchString(joined) {
			if n == 1 && len(joined) > 200 {
				return 0
			}
			if n > 1 && !attributionOnPrefix(joined) {
				return 0
			}
			return n
		}
		if n == 1 && !attributionOnPrefix(joined) {
			return 0
		}
	}
	return 0
}

// attributionOnPrefix tells whether a line starts with a word an
// attribution that spans lines starts with ("On Tue, Apr 6, 2021 at…").
func attributionOnPrefix(t string) bool {
	if len(t) < 4 || len(t) > 300 {
		return false
	}
	switch t[0] {
	case 'O', 'o', 'A', 'a', 'L', 'l', 'I', 'i', 'E', 'e', 'D', 'd', 'W', 'w':
	default:
		return false
	}
	for _, w := range []string{"on ", "am ", "le ", "il ", "el ", "em ", "op ", "den ", "w dniu "} {
		if len(t) >= len(w) && strings.EqualFold(t[:len(w)], w) {
			return true
		}
	}
	return false
}

func nonEmptyAfter(lines []string) int {
	n := 0
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			n++
		}
	}
	return n
}

// footerFollows tells whether the lines after a rule are a list footer
// (Mailman's "X mailing list" block).
func footerFollows(lines []string) bool {
	for j := 0; j < len(lines) && j < 4; j++ {
		l := strings.ToLower(lines[j])
		if strings.Contains(l, "mailing list") || strings.Contains(l, "listinfo") || strings.Contains(l, "unsubscribe") {
			return true
		}
	}
	return false
}

// quoteHeaderFollows tells whether a "From:" line starts a pasted header
// block: a Sent/Date/To/Subject line within the next four.
func quoteHeaderFollows(lines []string) bool {
	for j := 0; j < len(lines) && j < 4; j++ {
		if sentLine.MatchString(lines[j]) {
			return true
		}
	}
	return false
}

// NormalizeSpace unifies line ends and invisible characters.
func NormalizeSpace(s string) string {
	plain := true
	for i := 0; i < len(s) && plain; i++ {
		c := s[i]
		plain = c >= 0x20 && c < 0x7f || c == '\n' || c == '\t'
	}
	if plain {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Map(func(r rune) rune {
		switch r {
		case '\u00a0', '\u2007', '\u202f':
			return ' '
		case '\u200b', '\u200c', '\u200d', '\ufeff', '\u00ad':
			return -1
		case '\t':
			return '\t'
		}
		if unicode.IsControl(r) && r != '\n' {
			return -1
		}
		return r
	}, s)
}

var (
	greeting = regexp.MustCompile(`(?i)^(hi|hello|hey|dear|greetings|good (morning|afternoon|evening|day)|hallo|bonjour|ciao|hola)\b[^.?!]{0,40}[,.!:]?$|^(all|everyone|folks|team)\s*[,:]$`)
	// A name alone on the first line, as in "Brendan," or "Hi Ken,".
	nameLine = regexp.MustCompile(`^[\p{Lu}][\p{L}.'-]*( [\p{Lu}][\p{L}.'-]*){0,2}\s*[,:]$`)
	// A closing alone on its line ("Thanks,", "Best regards, Rob"), not a
	// sentence that starts like one ("Thanks, that worked!").
	// A Pattern: most short lines hold none of its closings, and the
	// expression alone was most of reading a post's sentences (Said).
	signOff = mustPattern(`^(?i:thanks|thank you|many thanks|thanks again|thanks in advance|thank you in advance|thanks and regards|thanks & regards|thanks and best regards|thanks a lot|thank you very much|thank you so much|thx|tia|cheers|regards|best regards|kind regards|warm regards|with best regards|with kind regards|best wishes|best|all the best|br|rgds|sincerely|yours|yours sincerely|respectfully|greetings|ciao|saludos|grüße|cordialement)\s*[,.!]*(\s*[-–—]?\s*[\p{Lu}][\p{L}.'-]*( [\p{Lu}][\p{L}.'-]*){0,2})?\s*[,.!]*$`)
)

// ProseText drops the greeting at the top and the sign-off (and the name
// under it) at the bottom of an author's own text.
func ProseText(own, authorName string) string {
	lines := strings.Split(own, "\n")
	// Greeting: the first non-empty line, when short.
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" {
			continue
		}
		if len(t) < 60 && (greeting.MatchString(t) || nameLine.MatchString(t)) {
			lines = lines[i+1:]
		}
		break
	}
	// Sign-off: a short closing line among the last eight non-empty
	// ones, followed by nothing but short lines (a name, a title, a
	// phone number).
	seen := 0
	for i := len(lines) - 1; i >= 0 && seen < 8; i-- {
		t := strings.TrimSpace(lines[i])
		if t == "" {
			continue
		}
		seen++
		if len(t) <= 40 && signOff.MatchString(t) && shortLinesAfter(lines[i+1:]) {
			lines = lines[:i]
			break
		}
	}
	// The author's name alone at the end ("Rob", "-Marcus").
	for len(lines) > 0 {
		t := strings.Trim(strings.TrimSpace(lines[len(lines)-1]), "-–—~ ")
		if t == "" || isName(t, authorName) {
			lines = lines[:len(lines)-1]
			continue
		}
		break
	}
	return strings.Trim(strings.Join(lines, "\n"), "\n")
}

func shortLinesAfter(lines []string) bool {
	for _, l := range lines {
		if len(strings.TrimSpace(l)) > 80 {
			return false
		}
	}
	return true
}

// isName tells whether a line is the author's name or a part of it.
func isName(line, author string) bool {
	if author == "" || len(line) > 60 {
		return false
	}
	l := strings.ToLower(line)
	a := strings.ToLower(author)
	if l == a {
		return true
	}
	for _, part := range strings.FieldsFunc(a, func(r rune) bool { return r == ' ' || r == ',' || r == '(' || r == ')' || r == '"' }) {
		if len(part) >= 2 && l == part {
			return true
		}
	}
	return false
}
