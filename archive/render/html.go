package render

import (
	"html/template"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"praxis/listserv/mailmsg"
)

// policy is bluemonday's UGCPolicy tightened for mail: the same text,
// structure, list and table markup, but no images (remote ones would
// tell the sender who reads the archive and when; cid: ones point at
// parts the page does not serve), no id or name attributes (a message
// must not be able to clobber the page's own elements), no relative
// URLs (they would point into the archive itself), and links only to
// http, https and mailto. Script, style, forms, frames, objects and
// embeds are never allowed. bluemonday has no way to take an allowance
// back from a policy, so this one is built up from NewPolicy.
var policy = newPolicy()

func newPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowAttrs("dir").Matching(bluemonday.Direction).Globally()
	p.AllowAttrs("title").Matching(bluemonday.Paragraph).Globally()

	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(false)
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AllowAttrs("href").OnElements("a")

	p.AllowElements(
		"article", "aside", "section", "summary", "details", "figure", "figcaption",
		"h1", "h2", "h3", "h4", "h5", "h6", "hgroup",
		"blockquote", "br", "div", "hr", "p", "span", "wbr", "pre", "center",
		"abbr", "acronym", "cite", "code", "dfn", "em", "mark", "s", "samp",
		"strong", "sub", "sup", "var", "q", "kbd", "del", "ins",
		"b", "i", "small", "big", "strike", "tt", "u",
		"rp", "rt", "ruby", "bdi",
	)
	p.AllowAttrs("dir").Matching(bluemonday.Direction).OnElements("bdo")
	p.AllowLists()
	p.AllowTables()
	return p
}

// Elements whose content a reader never sees; their text is no link.
var hiddenElements = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Head: true, atom.Title: true,
	atom.Noscript: true, atom.Template: true, atom.Iframe: true, atom.Object: true,
}

// sanitize makes an HTML body safe to put in an archive page. It returns
// the sanitised fragment, whether remote content (images, style sheets,
// backgrounds) was removed, and the http(s) links of the author's own
// text (outside quotes and signatures), in document order.
func sanitize(src string) (template.HTML, bool, []string) {
	doc, err := html.Parse(strings.NewReader(src))
	var remote bool
	var links []string
	if err == nil {
		remote, links = scanHTML(doc)
	}
	clean := policy.Sanitize(src)
	return template.HTML(balance(clean)), remote, links
}

// balance parses the sanitised fragment as the content of a <div> and
// renders it again, so that every element it opens is closed inside it
// and a stray end tag cannot close the page's own elements. It also
// gives every link the same rel: bluemonday adds "noopener" only to
// links with a target, and these have none.
func balance(frag string) string {
	ctx := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := html.ParseFragment(strings.NewReader(frag), ctx)
	if err != nil {
		return html.EscapeString(frag)
	}
	var b strings.Builder
	for _, n := range nodes {
		setRel(n)
		if err := html.Render(&b, n); err != nil {
			return html.EscapeString(frag)
		}
	}
	return strings.TrimSpace(b.String())
}

func setRel(n *html.Node) {
	if n.Type == html.ElementNode && n.DataAtom == atom.A {
		attrs := n.Attr[:0]
		for _, a := range n.Attr {
			if a.Key != "rel" {
				attrs = append(attrs, a)
			}
		}
		n.Attr = append(attrs, html.Attribute{Key: "rel", Val: "nofollow noopener noreferrer"})
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		setRel(c)
	}
}

// scanHTML walks the original (unsanitised) document: it tells whether
// anything in it would have been fetched from a remote server, and
// collects the http(s) links outside quoted text and signatures.
func scanHTML(doc *html.Node) (remote bool, links []string) {
	quoted := false // past an Outlook reply header: the rest is the original
	var walk func(n *html.Node, skip bool)
	walk = func(n *html.Node, skip bool) {
		switch n.Type {
		case html.ElementNode:
			for _, a := range n.Attr {
				if remoteAttr(n, a) {
					remote = true
				}
			}
			if n.DataAtom == atom.Style {
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					if c.Type == html.TextNode && remoteCSS(c.Data) {
						remote = true
					}
				}
			}
			if hiddenElements[n.DataAtom] || isQuoteElement(n) {
				skip = true
			}
			if attr(n, "id") == "divRplyFwdMsg" {
				quoted = true
			}
			if !skip && !quoted && n.DataAtom == atom.A {
				if u := strings.TrimSpace(attr(n, "href")); mailmsg.IsHTTP(u) {
					links = append(links, u)
				}
			}
		case html.TextNode:
			if !skip && !quoted {
				links = append(links, mailmsg.URLs(n.Data)...)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, skip)
		}
	}
	walk(doc, false)
	return remote, links
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// isQuoteElement tells whether an element holds quoted text or a
// signature, by the markup mailers use: <blockquote>, and the classes of
// Gmail, Thunderbird, Yahoo and Apple Mail.
func isQuoteElement(n *html.Node) bool {
	if n.DataAtom == atom.Blockquote {
		return true
	}
	c := attr(n, "class")
	for _, q := range []string{"gmail_quote", "gmail_signature", "moz-signature", "moz-cite-prefix", "yahoo_quoted", "AppleOriginalContents"} {
		if strings.Contains(c, q) {
			return true
		}
	}
	return false
}

// remoteAttr tells whether an attribute makes the browser fetch a remote
// resource: a URL attribute that is absolute or scheme-relative, or a
// style with an absolute url().
func remoteAttr(n *html.Node, a html.Attribute) bool {
	key := strings.ToLower(a.Key)
	switch key {
	case "src", "srcset", "background", "poster", "data", "lowsrc", "dynsrc", "xlink:href":
	case "href":
		if n.DataAtom == atom.A || n.DataAtom == atom.Area {
			return false // followed only when clicked
		}
	case "style":
		return remoteCSS(a.Val)
	default:
		return false
	}
	v := strings.ToLower(strings.TrimSpace(a.Val))
	return strings.Contains(v, "http:") || strings.Contains(v, "https:") || strings.HasPrefix(v, "//")
}

func remoteCSS(css string) bool {
	css = strings.ToLower(css)
	return (strings.Contains(css, "url(") || strings.Contains(css, "@import")) &&
		(strings.Contains(css, "http") || strings.Contains(css, "//"))
}
