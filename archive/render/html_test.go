package render

import (
	"strings"
	"testing"
)

func TestSanitizeHostile(t *testing.T) {
	tests := []struct {
		name   string
		html   string
		want   string // the exact output, when given
		remote bool
		text   bool // the script is shown as text, escaped
	}{
		{name: "script", html: `<p>hi</p><script>alert(1)</script><SCRIPT SRC=http://evil.example/x.js></SCRIPT>`, want: `<p>hi</p>`, remote: true},
		{name: "img onerror", html: `<img src=x onerror=alert(1)>ok`, want: `ok`},
		{name: "javascript href", html: `<a href="javascript:alert(1)">x</a>`, want: `x`},
		{name: "entity-obfuscated javascript href", html: `<a href="jav&#x61;script&colon;alert(1)">a</a><a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">b</a><a href="java&#9;script:alert(1)">c</a><a href=" JaVaScRiPt:alert(1)">d</a>`, want: `abcd`},
		{name: "vbscript and data hrefs", html: `<a href="vbscript:msgbox(1)">v</a><a href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;">d</a>`, want: `vd`},
		{name: "relative and scheme-relative hrefs", html: `<a href="/admin/delete?all=1">r</a><a href="//evil.example/">s</a><a href="#top">t</a>`, want: `rst`},
		{name: "good link", html: `<a href="https://ettus.com/x?a=1&amp;b=2" target="_blank" onclick="steal()" rel="opener" style="position:fixed" id="login" class="btn">ok</a>`, want: `<a href="https://ettus.com/x?a=1&amp;b=2" rel="nofollow noopener noreferrer">ok</a>`},
		{name: "mailto link", html: `<a href="mailto:ann@example.org">Ann</a>`, want: `<a href="mailto:ann@example.org" rel="nofollow noopener noreferrer">Ann</a>`},
		{name: "CSS url() in a style attribute", html: `<div style="background:url(http://evil.example/bg.png)">text</div>`, want: `<div>text</div>`, remote: true},
		{name: "style element with @import", html: `<style>@import url(https://evil.example/x.css); p { color: red }</style><p>text</p>`, want: `<p>text</p>`, remote: true},
		{name: "svg script", html: `<svg><script>alert(1)</script><a xlink:href="javascript:alert(1)"><text>t</text></a></svg><svg onload=alert(1)></svg>`},
		{name: "math", html: `<math><mi xlink:href="javascript:alert(1)">m</mi></math>`},
		{name: "meta refresh", html: `<meta http-equiv="refresh" content="0;url=http://evil.example/">text`, want: `text`},
		{name: "frames and objects", html: `<iframe src="http://evil.example/"></iframe><object data="http://evil.example/x.swf"></object><embed src="http://evil.example/x.swf">ok`, want: `ok`, remote: true},
		{name: "an unclosed frame hides the rest", html: `<p>a</p><frameset><frame src="x"></frameset><p>b</p>`, want: `<p>a</p>`},
		{name: "forms", html: `<form action="http://evil.example/"><input name="password"><button formaction="http://evil.example/">go</button><textarea>t</textarea><select><option>o</option></select></form>`},
		{name: "base and link", html: `<base href="http://evil.example/"><link rel="stylesheet" href="http://evil.example/x.css">text`, want: `text`, remote: true},
		{name: "remote image", html: `<p>Hi<img src="https://tracker.example/pixel.gif?u=ann" width=1 height=1></p>`, want: `<p>Hi</p>`, remote: true},
		{name: "scheme-relative image", html: `<img src="//tracker.example/p.gif">x`, want: `x`, remote: true},
		{name: "srcset", html: `<picture><source srcset="https://a.example/x.webp"><img srcset="https://a.example/x.png 2x"></picture>x`, want: `x`, remote: true},
		{name: "cid and data images", html: `<img src="cid:part1@example.org"><img src="data:image/png;base64,iVBORw0KGgo=">x`, want: `x`},
		{name: "table background", html: `<table background="http://evil.example/bg.png"><tr><td>cell</td></tr></table>`, want: `<table><tbody><tr><td>cell</td></tr></tbody></table>`, remote: true},
		{name: "video poster", html: `<video poster="http://evil.example/p.png"><source src="http://evil.example/v.mp4"></video>v`, want: `v`, remote: true},
		{name: "noscript mXSS", html: `<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>`},
		{name: "event handlers everywhere", html: `<body onload=alert(1)><details open ontoggle=alert(1)><summary>s</summary></details><p onmouseover="alert(1)">p</p></body>`},
		{name: "template", html: `<template><script>alert(1)</script></template>`},
		{name: "xmp is text", html: `<xmp><script>alert(1)</script></xmp>`, want: `&lt;script&gt;alert(1)&lt;/script&gt;`, text: true},
		{name: "unbalanced tags cannot close the page's", html: `</div></div></body></html><div><b>bold<table><tr><td>open`, want: `<div><b>bold<table><tbody><tr><td>open</td></tr></tbody></table></b></div>`},
		{name: "comments and conditional comments", html: `<!--[if gte mso 9]><script>alert(1)</script><![endif]--><p>t</p>`, want: `<p>t</p>`},
		{name: "uppercase and odd quoting", html: `<IMG SRC=JaVaScRiPt:alert('XSS')><A HREF='javascript:alert(1)'>x</A><a href=http://ok.example/>ok</a>`, want: `x<a href="http://ok.example/" rel="nofollow noopener noreferrer">ok</a>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, remote, _ := sanitize(tt.html)
			got := string(out)
			checkSafeHTML(t, tt.name, got)
			if strings.Contains(got, "alert") && !tt.text {
				t.Errorf("script text survived: %s", got)
			}
			if tt.want != "" && got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			if remote != tt.remote {
				t.Errorf("remote = %v, want %v", remote, tt.remote)
			}
		})
	}
}

// TestRenderHostileMessage sends a hostile HTML-only message through
// Render, the way the archive receives it: quoted-printable, a charset.
func TestRenderHostileMessage(t *testing.T) {
	raw := msg(
		"From: x@example.org",
		"Content-Type: text/html; charset=windows-1252",
		"Content-Transfer-Encoding: quoted-printable",
		"",
		`<html><head><meta http-equiv=3D"refresh" content=3D"0;url=3Dhttp://evil.ex=`,
		`ample/"><base href=3D"http://evil.example/"><style>body{background:url(h=`,
		`ttp://evil.example/b.png)}</style></head>`,
		`<body onload=3D"alert(1)"><p>Caf=E9 <img src=3D"http://evil.example/t.gif"=`,
		`><a href=3D"jav&#x61;script:alert(1)">click</a></p><svg><script>alert(1)</s=`,
		`cript></svg></body></html>`)
	m := Render(raw)
	if len(m.Parts) != 1 {
		t.Fatalf("parts: %+v", m.Parts)
	}
	p := m.Parts[0]
	checkSafeHTML(t, "hostile message", string(p.HTML))
	if string(p.HTML) != "<p>Café click</p>" || !p.RemoteContent {
		t.Errorf("got %q, remote %v", p.HTML, p.RemoteContent)
	}
}

func TestSanitizeLinks(t *testing.T) {
	src := `<div>See <a href="https://kb.ettus.com/B200">the KB</a> and https://github.com/EttusResearch/uhd.</div>
<div class="gmail_signature">https://sig.example/</div>
<div class="gmail_quote">On Mon, Bob wrote:<blockquote>https://quoted.example/</blockquote></div>
<blockquote type="cite"><a href="https://quoted2.example/">q</a></blockquote>
<p>After: <a href="javascript:alert(1)">js</a> <a href="https://kb.ettus.com/B200">again</a></p>
<div id="divRplyFwdMsg">From: Bob</div><div>https://outlook-original.example/</div>`
	_, _, links := sanitize(src)
	want := []string{"https://kb.ettus.com/B200", "https://github.com/EttusResearch/uhd", "https://kb.ettus.com/B200"}
	if strings.Join(links, " ") != strings.Join(want, " ") {
		t.Errorf("links %q, want %q", links, want)
	}
}
