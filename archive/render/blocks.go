package render

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// BlockKind tells what a Block of plain text is.
type BlockKind int

const (
	// Plain is the author's own text.
	Plain BlockKind = iota
	// Quote is quoted text: a run of ">" lines at one Depth, or the
	// original below an Outlook-style "From: … Sent: …" header.
	Quote
	// Signature is the "-- " line and what follows it (RFC 3676 §4.3).
	Signature
	// Footer is a mailing-list footer, such as Mailman's "____" line
	// followed by "X mailing list" and its addresses.
	Footer
	// Note is a remark of the archive's own, such as that the text was
	// too long to show in full.
	Note
)

var kindNames = [...]string{"plain", "quote", "signature", "footer", "note"}

// String returns the kind's name in lower case ("quote"), for templates
// and CSS classes.
func (k BlockKind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Block is a run of plain text of one kind.
type Block struct {
	Kind BlockKind
	// Depth is the quoting depth of a Quote block (1 for "> ", 2 for
	// ">> "); 0 for the other kinds.
	Depth int
	// Attribution is, for a Quote block, the line or lines that
	// introduced it ("On Mon, 1 Feb 2021, Ann wrote:", or an
	// Outlook-style From/Sent/To/Subject block); usually "".
	Attribution string
	// Text is the block's text with its quote markers removed, without
	// leading or trailing empty lines. It is plain text: the template
	// escapes it.
	Text string
	// Lines is the number of lines in Text.
	Lines int
}

// splitBlocks splits a text/plain body into blocks. flowed and delSp are
// the format=flowed and delsp=yes parameters (RFC 3676).
func splitBlocks(text string, flowed, delSp bool) []Block {
	if flowed {
		text = unflow(text, delSp)
	}
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	end := len(lines)
	foot := footerStart(lines)
	if foot >= 0 {
		end = foot
	}
	bodyEnd := end
	for i, l := range lines[:end] {
		if l == "-- " {
			bodyEnd = i
			break
		}
	}
	blocks := bodyBlocks(lines[:bodyEnd])
	if b, ok := block(Signature, 0, lines[bodyEnd:end]); ok {
		blocks = append(blocks, b)
	}
	if foot >= 0 {
		if b, ok := block(Footer, 0, lines[foot:]); ok {
			blocks = append(blocks, b)
		}
	}
	return blocks
}

// block makes a block of lines, trimmed of empty lines at both ends and
// with each run of empty lines inside made one (mail clients and list
// footers leave screenfuls of them); ok is false when nothing is left.
func block(kind BlockKind, depth int, lines []string) (Block, bool) {
	for len(lines) > 0 && isBlank(lines[0]) {
		lines = lines[1:]
	}
	for len(lines) > 0 && isBlank(lines[len(lines)-1]) {
		lines = lines[:len(lines)-1]
	}
	if len(lines) == 0 {
		return Block{}, false
	}
	kept := make([]string, 0, len(lines))
	for i, l := range lines {
		if isBlank(l) {
			if isBlank(lines[i-1]) {
				continue
			}
			l = ""
		}
		kept = append(kept, l)
	}
	return Block{Kind: kind, Depth: depth, Text: strings.Join(kept, "\n"), Lines: len(kept)}, true
}

func isBlank(s string) bool { return strings.TrimSpace(s) == "" }

var (
	// Google Groups puts this under a "-- " line of its own.
	googleGroupsRE = regexp.MustCompile(`^You received this message because you are subscribed to the Google Groups`)
	listWordsRE    = regexp.MustCompile(`(?i)mailing list|listinfo|unsubscribe`)
)

// footerStart finds a mailing-list footer at the end of the text and
// returns the index of its first line, or -1. Mailman 2 and 3 both write
// a line of underscores, then "NAME mailing list" and the list's
// addresses (Mailman 3: "NAME mailing list -- ADDR", "To unsubscribe
// send an email to …"). Only the last few lines are looked at, so that a
// footer quoted in the middle of a reply stays in its quote.
func footerStart(lines []string) int {
	const window = 12
	lo := max(0, len(lines)-window)
	for i := len(lines) - 1; i >= lo; i-- {
		l := strings.TrimSpace(lines[i])
		if googleGroupsRE.MatchString(l) {
			for j := i - 1; j >= max(0, i-2); j-- {
				if strings.TrimSpace(lines[j]) == "--" {
					return j
				}
			}
			return i
		}
		if len(l) >= 10 && strings.Trim(l, "_") == "" && !strings.HasPrefix(lines[i], ">") {
			if listWordsRE.MatchString(strings.Join(lines[i+1:], "\n")) {
				return i
			}
		}
	}
	return -1
}

// unflow undoes format=flowed (RFC 3676 §4.2): a line that ends in a
// space is joined with the next one of the same quote depth; space
// stuffing is removed; with delsp=yes the joining space goes too. The
// result uses "> " quote markers, which bodyBlocks understands.
func unflow(text string, delSp bool) string {
	var out strings.Builder
	var para []byte
	paraDepth, open := 0, false
	flush := func() {
		if !open {
			return
		}
		if paraDepth > 0 {
			out.WriteString(strings.Repeat(">", paraDepth) + " ")
		}
		out.Write(para)
		out.WriteByte('\n')
		para, open = para[:0], false
	}
	for _, line := range strings.Split(text, "\n") {
		depth := 0
		for depth < len(line) && line[depth] == '>' {
			depth++
		}
		line = line[depth:]
		line = strings.TrimPrefix(line, " ") // space stuffing, §4.4
		if open && depth != paraDepth {
			flush()
		}
		para = append(para, line...)
		paraDepth, open = depth, true
		if line == "-- " || !strings.HasSuffix(line, " ") {
			flush()
			continue
		}
		if delSp {
			para = para[:len(para)-1]
		}
	}
	flush()
	return out.String()
}

// quoteDepth counts the quote markers at the start of a line: ">", ">>",
// "> >". It returns the depth and the text after the markers and one
// space.
func quoteDepth(line string) (int, string) {
	depth, i := 0, 0
	for i < len(line) && line[i] == '>' {
		depth++
		i++
		// "> >" is depth 2, but "> text" is depth 1.
		j := i
		for j < len(line) && line[j] == ' ' {
			j++
		}
		if j < len(line) && line[j] == '>' && j-i <= 1 {
			i = j
		}
	}
	if depth > 0 && i < len(line) && line[i] == ' ' {
		i++
	}
	return depth, line[i:]
}

var (
	wroteRE  = regexp.MustCompile(`(?i)(wrote|writes|said|schrieb|a écrit|escribió|ha scritto|skrev|kirjoitti|napisał|escreveu|написал|написала|写道)\s*:\s*$`)
	openerRE = regexp.MustCompile(`^(On|Am|Le|El|Il|Em|Op|Den|Dne|W dniu|В)\s`)
	// Outlook and many web mailers quote the original below a header
	// block instead of with ">" markers.
	originalRE = regexp.MustCompile(`(?i)^-{3,}\s*(original message|ursprüngliche nachricht|message d'origine|mensaje original|messaggio originale)\s*-{3,}\s*$`)
	// The header block's field names as Outlook writes them in the
	// reader's language ("De :", "Von:", "发件人:"), with a colon that may
	// be full-width or follow a (non-breaking) space, in bold or not.
	fromRE    = outlookField(`From|De|Von|Van|Da|Od|Från|Fra|Lähettäjä|Feladó|发件人|寄件者|差出人|보낸 사람|От`, true)
	sentRE    = outlookField(`Sent|Date|Envoyé|Gesendet|Enviado|Enviada|Inviato|Verzonden|Skickat|Sendt|Lähetetty|Wysłano|Odesláno|Datum|Data|发送时间|發送時間|寄件日期|送信日時|보낸 날짜|Отправлено`, true)
	subjectRE = outlookField(`Subject|Objet|Betreff|Asunto|Assunto|Oggetto|Onderwerp|Ämne|Emne|Aihe|Temat|Předmět|主题|主旨|件名|제목|Тема`, false)
)

// outlookField matches a line that starts with one of names (an
// alternation) and its colon, and, when value is set, some text after it.
func outlookField(names string, value bool) *regexp.Regexp {
	re := `^\*?(?:` + names + `)[ \x{00a0}\x{202f}]?\*?[:：]\*?`
	if value {
		re += `\s*\S`
	}
	return regexp.MustCompile(re)
}

// line is one line of the body as bodyBlocks sees it.
type line struct {
	depth int    // quote depth; -1 for an empty line between runs
	text  string // without quote markers
	attr  bool   // part of an Outlook-style header block
	soft  bool   // empty: it takes the depth of its surroundings
}

// bodyBlocks splits the text above the signature into plain and quote
// blocks and gives each quote the attribution line above it.
func bodyBlocks(raw []string) []Block {
	ls := make([]line, len(raw))
	for i, r := range raw {
		d, t := quoteDepth(r)
		ls[i] = line{depth: d, text: t, soft: isBlank(t)}
	}
	markOutlook(ls)

	// An empty line between two runs of the same depth belongs to them;
	// between runs of different depths it only separates them. prev and
	// nextDepth are the depths of the nearest non-empty lines (-2: none).
	nextDepth := make([]int, len(ls))
	d := -2
	for i := len(ls) - 1; i >= 0; i-- {
		nextDepth[i] = d
		if !ls[i].soft {
			d = ls[i].depth
		}
	}
	prev := -2
	for i := range ls {
		if !ls[i].soft {
			prev = ls[i].depth
			continue
		}
		switch next := nextDepth[i]; {
		case prev == next || next == -2:
			ls[i].depth = prev
		case prev == -2:
			ls[i].depth = next
		default:
			ls[i].depth = -1
		}
	}

	type group struct {
		depth int
		attr  bool
		lines []string
	}
	var groups []*group
	var cur *group
	for _, l := range ls {
		if l.depth < 0 {
			cur = nil
			continue
		}
		if cur == nil || cur.depth != l.depth || cur.attr != l.attr {
			cur = &group{depth: l.depth, attr: l.attr}
			groups = append(groups, cur)
		}
		cur.lines = append(cur.lines, l.text)
	}

	var blocks []Block
	pending := "" // an attribution waiting for the quote it introduces
	plainPending := func() {
		if pending != "" {
			// No quote followed: the attribution is plain text.
			blocks = append(blocks, Block{Kind: Plain, Text: pending, Lines: strings.Count(pending, "\n") + 1})
			pending = ""
		}
	}
	for gi, g := range groups {
		if g.attr {
			plainPending()
			pending = strings.TrimSpace(strings.Join(g.lines, "\n"))
			continue
		}
		// An "On … wrote:" line at the end of a run introduces the
		// deeper quote that follows it (usually one level deeper, but
		// mailers that re-wrap quotes skip levels).
		lines, attribution := g.lines, ""
		if gi+1 < len(groups) && !groups[gi+1].attr && groups[gi+1].depth > g.depth {
			if n := attributionLines(lines); n > 0 {
				attribution = strings.TrimSpace(strings.Join(lines[len(lines)-n:], "\n"))
				lines = lines[:len(lines)-n]
			}
		}
		if b, ok := makeBlock(g.depth, lines); ok {
			if b.Kind == Quote && pending != "" {
				b.Attribution, pending = pending, ""
			} else if b.Kind == Quote {
				b = liftAttribution(b)
			}
			plainPending()
			blocks = append(blocks, b)
		}
		if attribution != "" {
			plainPending()
			pending = attribution
		}
	}
	plainPending()
	return blocks
}

func makeBlock(depth int, lines []string) (Block, bool) {
	if depth == 0 {
		return block(Plain, 0, lines)
	}
	return block(Quote, depth, lines)
}

// isWrote tells whether a line ends like an attribution ("… wrote:").
// Only the end of the line is matched: quoted lines can be long.
func isWrote(line string) bool {
	t := strings.TrimRight(line, " \t")
	if !strings.HasSuffix(t, ":") {
		return false
	}
	if len(t) > 40 {
		i := len(t) - 40
		for i < len(t) && !utf8.RuneStart(t[i]) {
			i++
		}
		t = t[i:]
	}
	return wroteRE.MatchString(t)
}

// liftAttribution moves an attribution that opens a quote ("> On …
// wrote:", as Apple Mail writes it) out of the quoted text.
func liftAttribution(b Block) Block {
	lines := strings.Split(b.Text, "\n")
	n := 0
	switch {
	case isWrote(lines[0]) && openerRE.MatchString(lines[0]):
		n = 1
	case len(lines) >= 2 && openerRE.MatchString(lines[0]) && isWrote(lines[1]):
		n = 2
	default:
		return b
	}
	rest, ok := block(Quote, b.Depth, lines[n:])
	if !ok {
		return b
	}
	rest.Attribution = strings.Join(lines[:n], "\n")
	return rest
}

// attributionLines returns how many lines at the end of lines (after
// trailing empty ones) make an attribution: a line ending in "wrote:",
// and the one before it when the attribution was wrapped ("On Mon, …
// Ann <" / "ann@example.org> wrote:").
func attributionLines(lines []string) int {
	end := len(lines)
	for end > 0 && isBlank(lines[end-1]) {
		end--
	}
	if end == 0 || !isWrote(lines[end-1]) {
		return 0
	}
	n := len(lines) - end + 1
	last := strings.TrimSpace(lines[end-1])
	if !openerRE.MatchString(last) && end >= 2 && openerRE.MatchString(strings.TrimSpace(lines[end-2])) {
		n++
	}
	return n
}

// markOutlook finds an Outlook-style quoted original in the unquoted
// text — a "-----Original Message-----" line, or a From: line followed
// closely by Sent: (or Date:) and Subject: lines — marks its header lines
// as an attribution and puts everything after them one quote level
// deeper.
func markOutlook(ls []line) {
	for i := range ls {
		if ls[i].depth != 0 {
			continue
		}
		t := strings.TrimSpace(ls[i].text)
		marker := originalRE.MatchString(t)
		hdr := i // the From: line
		if marker {
			for hdr = i + 1; hdr < len(ls) && ls[hdr].depth == 0 && isBlank(ls[hdr].text); hdr++ {
			}
		} else if !fromRE.MatchString(t) || forwarded(ls, i) {
			continue
		}
		// The header block: From, then Sent/Date, To, Cc, Subject within
		// a few lines (Outlook writes up to six).
		sent, subj, end := false, false, i+1
		if hdr < len(ls) && ls[hdr].depth == 0 && fromRE.MatchString(strings.TrimSpace(ls[hdr].text)) {
			for k := hdr; k < len(ls) && k < hdr+8 && ls[k].depth == 0; k++ {
				tk := strings.TrimSpace(ls[k].text)
				if tk == "" {
					break
				}
				sent = sent || sentRE.MatchString(tk)
				subj = subj || subjectRE.MatchString(tk)
				end = k + 1
			}
		}
		if !marker && !(sent && subj) {
			continue
		}
		start := i
		// A line of underscores just above belongs to the header block.
		if start > 0 && ls[start-1].depth == 0 {
			if p := strings.TrimSpace(ls[start-1].text); len(p) >= 10 && strings.Trim(p, "_") == "" {
				start--
			}
		}
		for k := start; k < end; k++ {
			ls[k].attr, ls[k].soft = true, false
		}
		for k := end; k < len(ls); k++ {
			ls[k].depth++
		}
		return
	}
}

// forwarded tells whether the From: line at i follows a "Forwarded
// message" line: a forward is shared content, not a quote.
func forwarded(ls []line, i int) bool {
	for j := i - 1; j >= 0 && j >= i-2; j-- {
		if t := strings.TrimSpace(ls[j].text); t != "" {
			return strings.Contains(strings.ToLower(t), "forwarded message")
		}
	}
	return false
}
