package mailmsg

import (
	"regexp"
	"strings"

	"github.com/emersion/go-message/textproto"
)

// viaName is the name before a munged From's " via LIST" ("Ann via CoP":
// Mailman 2 and 3, Praxis's own listserv/dmarc.Munge), and whether there
// was one. The last " via " counts, so that a name with "via" in it keeps
// it. It finds what the pattern `^(.+) via [^,]+$` would (its first
// group; TestViaNameAgreesWithThePattern), without it: summaries ask it
// of every post several times, and the pattern, backtracking over the
// whole name, was a tenth of a week's summary.
func viaName(name string) (string, bool) {
	const via = " via "
	// The pattern's (.+) is greedy: the last " via " that has a name
	// before it (at least a character, no line break) and after it a
	// list name (at least a character, no comma) wins.
	for end := len(name); ; {
		i := strings.LastIndex(name[:end], via)
		if i < 0 {
			return "", false
		}
		rest := name[i+len(via):]
		if strings.IndexByte(rest, ',') >= 0 {
			return "", false // every earlier " via " has this comma after it too
		}
		if i > 0 && rest != "" && strings.IndexByte(name[:i], '\n') < 0 {
			return name[:i], true
		}
		// An earlier " via " may overlap this one (" via via x").
		end = i + len(via) - 1
	}
}

// RealAuthor is who wrote the post, seen through the DMARC munging a
// list may have done to its From ("Ann via CoP" <cop@example.org>): the
// name without " via LIST", and the address the munging kept elsewhere,
// in X-Original-From or Reply-To. A From that was not munged gives what
// Author gives. When the munging kept no address that can be told to be
// the author's, addr is "" and name alone says who it was, so that
// nothing takes the list's own address for its author.
func RealAuthor(h textproto.Header) (addr, name string) {
	addr, name = Author(h)
	via, ok := viaName(name)
	if !ok {
		return addr, name
	}
	real := strings.TrimSpace(via)
	if a, n := ParseAuthor(h.Get("X-Original-From")); a != "" {
		if n == "" {
			n = real
		}
		return a, n
	}
	as, ok := Addresses(h, "Reply-To")
	if !ok {
		return "", real
	}
	// The munging added the author to Reply-To, last (dmarc.Munge) or
	// alone (Mailman); a Reply-To the author set keeps their own entries
	// first. So: the entry with the author's name, else the one whose
	// local part is the name (Munge's name for an author without one),
	// else the only or the last entry that is not the list.
	var pick string
	var others []string
	for _, a := range as {
		if strings.EqualFold(a.Address, addr) {
			continue
		}
		local, _, _ := strings.Cut(a.Address, "@")
		if strings.EqualFold(Text(a.Name), real) || strings.EqualFold(local, real) {
			pick = a.Address
			break
		}
		others = append(others, a.Address)
	}
	if pick == "" && len(others) > 0 {
		pick = others[len(others)-1]
	}
	return pick, real
}

// Demunged is a display name without the " via LIST" a list's DMARC
// munging added to it ("Ann via CoP" is "Ann"), for the places that show
// a name stored as the From field had it.
func Demunged(name string) string {
	if via, ok := viaName(name); ok {
		return strings.TrimSpace(via)
	}
	return name
}

// AuthorKey is who wrote a post, for telling people apart and counting
// each once, from its From field's address and name: the address, or for
// a From a list munged for DMARC, which carries the list's address, the
// name without " via LIST" (prefixed "name:", so it is never an address).
func AuthorKey(addr, name string) string {
	if d := Demunged(name); d != name {
		return "name:" + strings.ToLower(strings.Join(strings.Fields(d), " "))
	}
	return strings.ToLower(addr)
}

// NameKey is the key AuthorKey gives the posts of a person of this
// display name whose From a list rewrote; "" for a name that is empty or
// an address.
func NameKey(name string) string {
	n := strings.Join(strings.Fields(Demunged(name)), " ")
	if n == "" || strings.Contains(n, "@") {
		return ""
	}
	return "name:" + strings.ToLower(n)
}

// HiddenAuthor is how a reader who may not see addresses is shown an
// author: the name, else the address hidden.
func HiddenAuthor(addr, name string) string {
	if strings.TrimSpace(name) != "" {
		return HideAddresses(name)
	}
	return HideAddresses(addr)
}

// topicMarkerRE is one leading marker of a subject: a reply or forward
// marker in the languages mail clients write them in (Re, AW, SV, Antw,
// VS, Odp, Fwd, WG, TR, 回复, 答复, 转发), with a count ("Re[2]:") or not,
// or a list's tag in brackets ("[USRP-users]").
var topicMarkerRE = regexp.MustCompile(`(?i)^\s*((re|aw|sv|antw|vs|odp|fwd?|wg|tr|回复|答复|回覆|转发)(\[\d+\]|\(\d+\))?\s*[:：]\s*|\[[^\]]{1,40}\]\s*)`)

// Topic is what a subject is about, for titles: without the list tags
// and the reply and forward markers before it ("Re: [USRP-users] AW:
// B210" is "B210"), white space collapsed; "" when nothing is left.
func Topic(subject string) string {
	for {
		m := topicMarkerRE.FindString(subject)
		if m == "" {
			break
		}
		subject = subject[len(m):]
	}
	return strings.Join(strings.Fields(subject), " ")
}
