package render

import (
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Elements that must never come out of the sanitiser: they run script,
// style the page, fetch something or take input.
var forbiddenElements = map[string]bool{
	"script": true, "style": true, "iframe": true, "frame": true, "frameset": true,
	"object": true, "embed": true, "applet": true, "form": true, "input": true,
	"button": true, "textarea": true, "select": true, "link": true, "meta": true,
	"base": true, "img": true, "svg": true, "math": true, "video": true, "audio": true,
	"source": true, "picture": true, "template": true, "noscript": true, "param": true,
	"portal": true, "track": true, "image": true, "use": true,
}

// urlAttrs are the attributes that hold a URL a browser may follow or
// fetch.
var urlAttrs = map[string]bool{
	"src": true, "href": true, "srcset": true, "background": true, "poster": true,
	"action": true, "formaction": true, "xlink:href": true, "data": true, "cite": true,
	"lowsrc": true, "dynsrc": true, "longdesc": true, "ping": true, "manifest": true,
}

// checkSafeHTML fails t when a sanitised fragment holds anything that can
// run script or fetch a remote resource. It parses the fragment the way a
// browser would, with golang.org/x/net/html.
func checkSafeHTML(t testing.TB, where string, frag string) {
	t.Helper()
	for _, problem := range unsafeHTML(frag) {
		t.Errorf("%s: %s\nin: %.500s", where, problem, frag)
	}
}

func unsafeHTML(frag string) []string {
	var problems []string
	ctx := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := html.ParseFragment(strings.NewReader(frag), ctx)
	if err != nil {
		return []string{"does not parse: " + err.Error()}
	}
	var visit func(n *html.Node)
	visit = func(n *html.Node) {
		if n.Type == html.ElementNode {
			problems = append(problems, unsafeElement(n)...)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			visit(c)
		}
	}
	for _, n := range nodes {
		visit(n)
	}
	return problems
}

func unsafeElement(n *html.Node) []string {
	var problems []string
	name := strings.ToLower(n.Data)
	if forbiddenElements[name] || n.Namespace != "" {
		problems = append(problems, "element <"+n.Data+"> (namespace "+n.Namespace+")")
	}
	rel := ""
	for _, a := range n.Attr {
		key := strings.ToLower(a.Key)
		if a.Namespace != "" {
			key = strings.ToLower(a.Namespace) + ":" + key
		}
		switch {
		case strings.HasPrefix(key, "on"):
			problems = append(problems, "event handler "+key+" on <"+name+">")
		case key == "style":
			problems = append(problems, "style attribute on <"+name+">")
		case key == "id" || key == "name" || key == "class":
			problems = append(problems, key+" attribute on <"+name+">")
		case key == "rel":
			rel = a.Val
		case urlAttrs[key]:
			if key != "href" || name != "a" {
				problems = append(problems, "URL attribute "+key+" on <"+name+">")
				continue
			}
			u, err := url.Parse(strings.TrimSpace(a.Val))
			if err != nil {
				problems = append(problems, "unparseable href "+a.Val)
				continue
			}
			switch strings.ToLower(u.Scheme) {
			case "http", "https", "mailto":
			default:
				problems = append(problems, "href with scheme "+u.Scheme+": "+a.Val)
			}
		}
	}
	if name == "a" && rel != "nofollow noopener noreferrer" {
		problems = append(problems, `<a> without rel="nofollow noopener noreferrer": `+rel)
	}
	return problems
}
