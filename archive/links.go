package archive

import (
	"regexp"
	"strings"

	"praxis/archive/learn"
	"praxis/archive/render"
	"praxis/listserv/mailmsg"
)

// Links returns the http(s) URLs a post's own text shares, in order, each
// once: what the resources page (through the links the indexer stores)
// and the summaries list. The text is a post's body as Text gives it
// (quotes and signature already out); URLs are found the way the pages
// find them (mailmsg.URLs), a mail gateway's wrapper taken off
// (UnwrapRedirect). Left out are the links nobody shared on purpose: the
// mailing-list footer's and a list manager's (footerURL), a mail
// client's (clientURL), links to a private address, those of an original
// an Outlook reply pastes below its rule, those from an employer's
// disclaimer on, links a program printed in output pasted into the post
// (pastedOutput), icons and social-network profiles, and in a signature
// (see signatureFrom) its contact lines, a bare home page and a profile
// page. The links are kept with a post's features when it is archived
// (Features): a change to these rules, or to mailmsg's URL reading, must
// raise learn.FeaturesVersion so that summaries work them out again.
func Links(body string) []string {
	if !strings.Contains(body, "://") {
		return nil // no URL (most posts): the footer need not be looked for
	}
	lines := ownLines(render.CutFooter(body))
	sig := signatureFrom(lines)
	var out []string
	seen := map[string]bool{}
	code := fencedCode(lines)
	for i, l := range lines {
		if code[i] || !strings.Contains(l, "://") || pastedOutput(lines, i) || i > sig && contactLine.MatchString(l) {
			continue
		}
		// A signature's icons: "[unnamed]<https://www.linkedin.com/…>",
		// "[https://…/email-sig-banner.png]<https://…/r/zf03uz>".
		l = iconLink.ReplaceAllString(l, "")
		words := -1 // the line's words, counted once when asked
		for _, u := range unglued(mailmsg.URLs(l)) {
			u = UnwrapRedirect(u)
			if len(u) > 2000 || seen[u] || notShared(u) {
				continue
			}
			if i > sig {
				if words < 0 {
					words = len(strings.Fields(l))
				}
				// A bare home page, or a profile page alone on its line
				// and not announced by the line before ("All my blocks
				// are at:"): who wrote, not what they shared.
				if homePage.MatchString(u) && words <= 6 || profilePage.MatchString(u) && words == 1 && !announced(lines, i) {
					continue
				}
			}
			seen[u] = true
			out = append(out, u)
		}
	}
	return out
}

// announced tells whether the line with words before the i-th ends with
// a colon: it introduces what the i-th line gives ("My blocks are at:").
func announced(lines []string, i int) bool {
	for j := i - 1; j >= 0; j-- {
		if t := strings.TrimSpace(lines[j]); t != "" {
			return strings.HasSuffix(t, ":")
		}
	}
	return false
}

// signatureFrom is the line where a post's signature starts, len(lines)
// when it has none: the first of its last dozen lines, but its first,
// that opens one: "--", a sign-off ("Best regards,", "Cheers, Ann") or a
// name standing alone ("Koyel", "Dr Mike Dickens"). A link above it is
// the post's, whatever it looks like ("Alekh's blog:
// https://grdpd.wordpress.com/" before "Best regards").
func signatureFrom(lines []string) int {
	from := len(lines)
	for i := len(lines) - 1; i > 0 && i >= len(lines)-12; i-- {
		l := strings.TrimSpace(lines[i])
		if l == "--" || l == "---" || len(l) <= 40 && (signOff.MatchString(l) || nameLine.MatchString(l) && !greeting.MatchString(l)) {
			from = i
		}
	}
	return from
}

var (
	// signOff: a sign-off, perhaps with a name after it.
	signOff = regexp.MustCompile(`(?i)^(best( regards| wishes)?|(kind|warm|best|many) regards|regards|cheers|thanks( again| a lot)?|thank you|many thanks|sincerely( yours)?|yours|br|greetings|ciao|saludos|cordialement|gruß|grüße|mit freundlichen grüßen)\b[\s,.!]*([\p{L}.'-]+( [\p{L}.'-]+){0,2})?[\s,.!]*$`)
	// nameLine: a name alone on its line: up to four capitalised words.
	nameLine = regexp.MustCompile(`^\p{Lu}[\p{L}.'-]*( \p{Lu}[\p{L}.'-]*){0,3},?$`)
	// greeting: a line that opens a letter, not one that signs it.
	greeting = regexp.MustCompile(`(?i)^(hi|hello|hey|dear|good (morning|afternoon|evening))\b`)
)

// notShared tells the links of a list manager, a mail client, a social
// network's profile page or a machine on the poster's own network.
func notShared(u string) bool {
	return footerURL.MatchString(u) || clientURL.MatchString(u) || socialProfile.MatchString(u) || privateHost(u)
}

// ownLines are the lines of a post's text up to an Outlook rule (below
// it, the original the reply pastes: Outlook does not quote it with "> ")
// or an employer's disclaimer, without the blank lines at the end.
func ownLines(text string) []string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		// Only a line with a run of dashes or underscores can be the
		// rule: the pattern is not tried on every line of every post.
		if (strings.Contains(l, "-----") || strings.Contains(l, "____________________")) && outlookRule.MatchString(l) && (strings.HasPrefix(l, outlookUnderscores) || headerNext(lines, i)) || disclaimer.MatchString(l) {
			lines = lines[:i]
			break
		}
	}
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	unwrap(lines)
	return lines
}

// headerNext tells whether the first line with words after the i-th is
// the header of a pasted original (originalHeader).
func headerNext(lines []string, i int) bool {
	for _, l := range lines[i+1:] {
		if strings.TrimSpace(l) != "" {
			return originalHeader.MatchString(l)
		}
	}
	return false
}

// unwrap puts back together a URL in angle brackets that a mail client
// wrapped onto the next line ("<https://…/classuhd_1_1device.html#a66d1"
// then "860f3eee578c0> get_tx_stream()"): RFC 3986 (appendix C) has the
// brackets delimit a URL so that the line breaks inside can be dropped.
// The rest of the next line stays where it was.
//
// Only a line as long as a client wraps (wrapAt) is taken for wrapped, and
// only URL characters for the rest of the URL: "see <https://a.example/x"
// then "2>&1 | tee log" is no URL cut in two.
func unwrap(lines []string) {
	for i := 0; i+1 < len(lines); i++ {
		l := lines[i]
		if len(l) < wrapAt {
			continue
		}
		open := strings.LastIndex(strings.ToLower(l), "<http")
		if open < 0 || strings.ContainsAny(l[open:], "> \t") {
			continue
		}
		next := strings.TrimLeft(lines[i+1], " \t")
		end := strings.IndexByte(next, '>')
		if end <= 0 || strings.IndexFunc(next[:end], notURLChar) >= 0 {
			continue
		}
		lines[i], lines[i+1] = l+next[:end+1], next[end+1:]
	}
}

// wrapAt is the shortest line a mail client wraps at: 72 to 78
// characters, a few less where a long word went to the next line.
const wrapAt = 60

// notURLChar tells the characters RFC 3986 does not allow in a URL.
func notURLChar(r rune) bool {
	return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-._~:/?#[]@!$&'()*+,;=%", r))
}

// footerURL tells a list footer's or a list manager's link from a shared
// resource.
var footerURL = learn.MustPattern(`(?i)/mailman/(listinfo|options|private)|/mailman3?/lists/|/postorius/|/empathy/list/|/hyperkitty/list/[^/]+/?$|/unsubscribe|/confirm/`)

// clientURL tells a mail client's own links (Outlook's inline icons,
// "Get Outlook for iOS") from shared ones.
var clientURL = learn.MustPattern(`(?i)res\.outlook\.com/|/owa/prem/|aka\.ms/|//go\.microsoft\.com/fwlink`)

// outlookRule is the line Outlook puts above the original it pastes
// below a reply (no "> " quoting, so learn's own-text reader keeps it),
// at the start of its line: an indented one is a program's box
// (uhd_usrp_probe draws its tree in them). The original's header comes
// next (originalHeader), unless the reader of own text took it out: the
// rule is then known by its length (outlookUnderscores).
var outlookRule = regexp.MustCompile(`^(_{20,}|-{5,} ?Original Message ?-{5,})\s*$`)

// outlookUnderscores is Outlook's rule of underscores.
const outlookUnderscores = "________________________________"

// originalHeader is the first line of the header Outlook writes above
// the original it pastes ("From: Ann <ann@…>", "*From:* …", "De : …",
// "Von: …", "发件人: …").
var originalHeader = regexp.MustCompile(`(?i)^\s*\*?(from|sent|de|von|da|van|från|fra|od|от|发件人|gesendet|envoyé|enviado)\s*:`)

// disclaimer is the first line of the legal text an employer's mail
// server or a signature adds ("DISCLAIMER: Any attached Code is
// provided As Is…", "CONFIDENTIALITY NOTICE: This e-mail…").
var disclaimer = learn.MustPattern(`^\s*\*?(DISCLAIMER|CONFIDENTIALITY( NOTICE)?|LEGAL NOTICE|PRIVILEGED AND CONFIDENTIAL)\b|^\s*This (e-?mail|message|communication)( and any (files|attachments)[^,.]*)? (is|are|may contain|contains) (confidential|intended|privileged)`)

// contactLine is a signature's line that says how to reach its author
// ("Web: https://ettus.com/", "LinkedIn: https://…", "M: +91 … | W:
// www.vehere.com").
var contactLine = learn.MustPattern(`(?i)^\s*(web|website|homepage|home page|www|e-?mail|phone|tel|mobile|linkedin|twitter|skype)\s*:\s*\S+\s*$|(^|\|)\s*(w|web|website|www)\s*:\s*\S+\s*(\||$)`)

// iconLink is a picture that links somewhere, as a mail client writes it
// in text: a signature's social icons ("[unnamed]<https://twitter.com/…>").
var iconLink = learn.MustPattern(`(?i)\[((unnamed|image|icon|logo)[^\]]*|https?://[^\]\s]+\.(png|jpe?g|gif|svg|webp)(\?[^\]\s]*)?)\]\s*<https?://[^>\s]*>?`)

// fencedCode marks the lines of fenced blocks (Markdown's ``` or ~~~):
// code or a log pasted as such, whose URLs are the program's. A block
// counts when the post goes on after its closing fence: one closed only
// on the post's last line (or never) is a fence the writer left open,
// which a web interface closed at the end, and holds their prose too.
func fencedCode(lines []string) map[int]bool {
	var code map[int]bool
	last := len(lines) - 1 // the post's last line with words
	for last >= 0 && strings.TrimSpace(lines[last]) == "" {
		last--
	}
	open := -1
	for i, l := range lines {
		if !isFence(l) {
			continue
		}
		if open < 0 {
			open = i
			continue
		}
		if i < last {
			if code == nil {
				code = map[int]bool{}
			}
			for j := open; j <= i; j++ {
				code[j] = true
			}
		}
		open = -1
	}
	return code
}

// isFence tells a line that opens or closes a fenced block of code
// (Markdown): asked of every line of every post a summary reads, so no
// expression.
func isFence(l string) bool {
	t := strings.TrimLeft(l, " \t")
	if rest, ok := strings.CutPrefix(t, "```"); ok {
		// A backtick fence's info string holds no backtick: a line
		// that opens with inline code ("```uhd_find_devices``` finds
		// nothing") is prose.
		return !strings.Contains(strings.TrimLeft(rest, "`"), "`")
	}
	return strings.HasPrefix(t, "~~~")
}

// unglued parts the URLs a mail client glued together when it made the
// text of an HTML mail without its line breaks: a URL run into the next
// ("…/rfnoc/fosphorhttps://github.com/…") is two. (A file's URL run into
// the next sentence's first word, "…/fosphor.ymlThe", mailmsg.URLs ends
// at the extension already.)
func unglued(urls []string) []string {
	var out []string
	for _, u := range urls {
		for {
			j := gluedScheme.FindStringIndex(u[1:])
			if j == nil {
				break
			}
			out = append(out, u[:j[0]+2])
			u = u[j[0]+2:]
		}
		out = append(out, u)
	}
	return out
}

// gluedScheme: a scheme right after a letter or digit (a URL that
// carries another in its query has "=" or "/" before it).
var gluedScheme = regexp.MustCompile(`[A-Za-z0-9]https?://`)

// socialProfile is a company's or a person's page on a social network
// (signatures link them); a post on one (a tweet, a video) may be shared.
var socialProfile = learn.MustPattern(`(?i)^https?://(www\.)?(linkedin\.com/(company|in)/[^/?#]+|twitter\.com/[^/?#]+|facebook\.com/[^/?#]+|instagram\.com/[^/?#]+)/?$`)

// homePage is a link to a site's front page, nothing more.
var homePage = regexp.MustCompile(`(?i)^(https?://)?(www\.)?[a-z0-9.-]+\.[a-z]{2,}/?$`)

// profilePage is a person's page on a code host, or a home directory's,
// as a signature gives its author's ("https://github.com/duggabe",
// "https://example.edu/~ann"; not a wiki's page, "https://kb.…/Foo",
// which signatures also stand above): in a signature, where it stands (nearly)
// alone on its line, it says who wrote, not what they shared.
var profilePage = regexp.MustCompile(`(?i)^https?://((www\.)?(github|gitlab|bitbucket|codeberg)\.(com|org)/|(www\.)?[a-z0-9.-]+\.[a-z]{2,}/~)[a-z0-9._-]+/?$`)

// pastedOutput tells whether the i-th line is a program's output pasted
// into the post (a log, a console session), where a URL is what the
// program printed, not something shared: the line reads as output
// ("Get:1 http://archive.ubuntu.com/ubuntu focal InRelease", "[INFO]
// fetching https://…", "2021-09-21 10:00:01 GET https://…"), or it is a
// short labelled line ("More info: https://…") next to such a line.
func pastedOutput(lines []string, i int) bool {
	if outputLine.MatchString(lines[i]) || progressLine.MatchString(lines[i]) || commandStep.MatchString(lines[i]) {
		return true
	}
	// A program's "More info: https://…" beside its other output; not a
	// link standing on a line of its own, which a person pastes.
	if len(strings.Fields(lines[i])) > 5 || !labelled.MatchString(lines[i]) {
		return false
	}
	// The lines with words just before it and just after it.
	for _, step := range []int{-1, 1} {
		for j := i + step; j >= 0 && j < len(lines); j += step {
			if strings.TrimSpace(lines[j]) == "" {
				continue
			}
			if outputLine.MatchString(lines[j]) || progressLine.MatchString(lines[j]) {
				return true
			}
			break
		}
	}
	return false
}

// labelled: a line that puts a label before what it says ("More info:
// https://…").
var labelled = regexp.MustCompile(`^\s*\*?\s*[A-Za-z][\w ]{0,24}:\s+\S`)

// outputLine: how a line of a program's output begins: apt's "Get:1",
// "Hit:2", "Ign:3", "Err:4", "E: The repository…"; a log level
// ("[INFO]", "ERROR:"); a time stamp ("2021-09-21 10:00:01",
// "[10:00:01]", "[ 12.345678]"); a shell
// prompt ("$ make", "root@host:/home/lab#"), a command run as root
// ("sudo add-apt-repository …") or one that fetches ("git clone https://…",
// "wget https://…": code, whose URL is the command's); Python's traceback. A mail client's
// bold ("*root@host:~#*") is read through.
var outputLine = regexp.MustCompile(`^\s*\*?(sudo \S|(git (clone|remote add|submodule add)|wget|curl|pip3? install|svn (co|checkout)) |(Get|Hit|Ign|Err|Fetched):\d+\s|[EWN]: \S|\[?(INFO|ERROR|WARN|WARNING|DEBUG|TRACE|FATAL|NOTICE)\]?[\s:]|\[?\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}|\[\d{1,2}:\d{2}:\d{2}|\[\s*\d+\.\d+\]|[\w.-]+@[\w.-]+:\S*[$#]|[\w.~:/-]*[$#] \S|>>> |Traceback \(|File ")`)

// progressLine: a fetching tool's progress, the URL it fetches ending the
// line ("Downloading Repo source from https://…"); a sentence that goes
// on after its link ("Downloading the images from https://… fixed it")
// is a person's.
var progressLine = regexp.MustCompile(`^\s*(Downloading|Fetching) .* from \S+://\S+\s*$`)

// commandStep: a command that fetches (outputLine's) written as a step of
// a list or in quotes ("1) git clone https://….git", "\"git clone …\""):
// its URL is the command's. Unlike output, it does not make a labelled
// link beside it a program's ("Build guide: https://…" above the steps).
var commandStep = regexp.MustCompile(`^\s*((\d{1,2}[.)]\s+|[-•]\s+)["'\x60]?|["'\x60])\*?(sudo \S|(git (clone|remote add|submodule add)|wget|curl|pip3? install|svn (co|checkout)) )`)
