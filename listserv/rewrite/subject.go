package rewrite

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"praxis/listserv/mailmsg"
)

// noSubject is what Mailman shows for a post without a subject.
const noSubject = "(no subject)"

// replyMarker matches one reply marker at the start of a subject: "Re:" and
// its translations that mail clients put in front of a subject (German "Aw:",
// Scandinavian "Sv:", Dutch "Antw:", Finnish "Vs:", Polish "Odp:"), in any
// case, with the counted forms "Re[2]:", "Re(2):", "Re^2:" and the French
// blank before the colon ("Re :").
var replyMarker = regexp.MustCompile(`(?i)^(?:re|aw|sv|antw|vs|odp)[ \t]*(?:\[[0-9]+\]|\([0-9]+\)|\^[0-9]+)?[ \t]*:`)

// PrefixSubject returns subject, as decoded text, with the list's prefix once
// and at the front, the way Mailman 3 does it:
//
//   - every occurrence of the prefix's tag (the prefix without surrounding
//     blanks, compared case-insensitively) is removed, wherever it stands, so
//     "Re: [cop] Re: [cop] x" cannot grow;
//   - a leading chain of reply markers ("Re:", "RE:", "AW:", "Sv:",
//     "Re[3]:", …) becomes a single "Re: " after the prefix;
//   - other tags ("[other]") and "Fwd:" are kept where they are;
//   - an empty remainder becomes "(no subject)".
//
// So a reply reads "[cop] Re: topic" and a new thread "[cop] topic". With an
// empty prefix the subject is returned unchanged, as Mailman leaves subjects
// alone on lists without a prefix.
func PrefixSubject(subject, prefix string) string {
	tag := strings.TrimSpace(prefix)
	if tag == "" {
		return subject
	}
	lead := prefix
	if last := lead[len(lead)-1]; last != ' ' && last != '\t' {
		lead += " "
	}

	s := removeTag(sanitize(subject), tag)
	reply := false
	for {
		s = strings.TrimLeft(s, " ")
		loc := replyMarker.FindStringIndex(s)
		if loc == nil {
			break
		}
		reply = true
		s = s[loc[1]:]
	}
	s = strings.TrimSpace(s)
	if s == "" {
		s = noSubject
	}
	if reply {
		return lead + "Re: " + s
	}
	return lead + s
}

// sanitize turns control characters into blanks: a decoded subject may carry
// CR, LF or TAB from an encoded-word or from folding, and none of them belongs
// in a one-line subject or in the header we write.
func sanitize(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		if c < 0x20 || c == 0x7f {
			b[i] = ' '
		}
	}
	return string(b)
}

// removeTag deletes every occurrence of tag from s, case-insensitively,
// together with the blanks after it when it stood at the start or after a
// blank, so "a [cop] b" becomes "a b". It repeats until no occurrence is left,
// because a removal can join two halves into a new one ("[co[cop]p]").
func removeTag(s, tag string) string {
	for {
		i := indexTag(s, tag)
		if i < 0 {
			return s
		}
		j := i + len(tag)
		if i == 0 || s[i-1] == ' ' {
			for j < len(s) && s[j] == ' ' {
				j++
			}
		}
		s = s[:i] + s[j:]
	}
}

// indexTag finds tag in s, ignoring case. Where the tag begins or ends with a
// letter or digit, it must not be glued to another one, so a tag "cop:" does
// not match inside "hiccop:".
func indexTag(s, tag string) int {
	n := len(tag)
	for i := 0; i+n <= len(s); i++ {
		if !strings.EqualFold(s[i:i+n], tag) {
			continue
		}
		if isWordByte(tag[0]) && i > 0 && isWordByte(s[i-1]) {
			continue
		}
		if isWordByte(tag[n-1]) && i+n < len(s) && isWordByte(s[i+n]) {
			continue
		}
		return i
	}
	return -1
}

func isWordByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// rewriteSubject computes the Subject field value of the copy from the raw,
// unfolded value of the post's Subject field. It returns the decoded text (for
// logs), the field value to write, and whether the field changed at all; when
// it did not, the caller keeps the original bytes.
func rewriteSubject(raw, prefix string) (text, value string, changed bool) {
	decoded, ok := mailmsg.DecodeWords(raw)
	if !ok || !utf8.ValidString(decoded) {
		// Undecodable (unknown charset, raw 8-bit bytes in a legacy
		// charset): the tag and the reply markers are ASCII, so the same
		// normalisation works on the bytes as they are, which are kept.
		value = PrefixSubject(strings.TrimSpace(sanitize(raw)), prefix)
		if value == raw {
			return strings.ToValidUTF8(raw, "\uFFFD"), raw, false
		}
		return strings.ToValidUTF8(value, "\uFFFD"), value, true
	}
	text = PrefixSubject(decoded, prefix)
	if text == decoded {
		return text, raw, false
	}
	return text, encodeText(text), true
}

// encodeText turns UTF-8 text into a header value. Words that are printable
// ASCII stay as they are, so "[cop] Re: " remains readable and filterable in
// the raw header; from the first word that is not, the rest is written as
// RFC 2047 encoded-words. We pick the Q encoding (RFC 2047 §4.2): most list
// subjects are Latin script, where Q keeps the text half readable in raw form
// and is shorter than B. A word is also encoded when it looks like an
// encoded-word itself ("=?…"), so a reader does not decode what was meant
// literally, or when it is too long for a header line (RFC 5322 §2.1.1).
func encodeText(text string) string {
	words := strings.Split(text, " ")
	for i, w := range words {
		if needsEncoding(w) {
			plain := strings.Join(words[:i], " ")
			enc := qEncode(strings.Join(words[i:], " "))
			if plain == "" {
				return enc
			}
			return plain + " " + enc
		}
	}
	return text
}

func needsEncoding(w string) bool {
	if len(w) > 900 || strings.Contains(w, "=?") {
		return true
	}
	for i := 0; i < len(w); i++ {
		if c := w[i]; c < 0x20 || c >= 0x7f {
			return true
		}
	}
	return false
}

const (
	qPrefix = "=?utf-8?q?"
	qSuffix = "?="
	// RFC 2047 §2: an encoded-word is at most 75 characters.
	qMaxText = 75 - len(qPrefix) - len(qSuffix)
)

// qEncode writes s as a sequence of Q-encoded UTF-8 encoded-words separated
// by blanks (which readers drop between encoded-words, RFC 2047 §6.2). Only
// the characters RFC 2047 §5(3) allows in any header position are left
// literal, so the same output is valid in a Subject and in a phrase. Words are
// cut between characters, never inside one (RFC 2047 §5).
func qEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var out strings.Builder
	var word []byte
	flush := func() {
		if out.Len() > 0 {
			out.WriteByte(' ')
		}
		out.WriteString(qPrefix)
		out.Write(word)
		out.WriteString(qSuffix)
		word = word[:0]
	}
	var enc []byte
	for i := 0; i < len(s); {
		_, size := utf8.DecodeRuneInString(s[i:])
		enc = enc[:0]
		for _, c := range []byte(s[i : i+size]) {
			switch {
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
				c == '!', c == '*', c == '+', c == '-', c == '/':
				enc = append(enc, c)
			case c == ' ':
				enc = append(enc, '_')
			default:
				enc = append(enc, '=', hex[c>>4], hex[c&15])
			}
		}
		if len(word)+len(enc) > qMaxText && len(word) > 0 {
			flush()
		}
		word = append(word, enc...)
		i += size
	}
	if len(word) > 0 || out.Len() == 0 {
		flush()
	}
	return out.String()
}
