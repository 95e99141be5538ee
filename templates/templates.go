package templates

import (
	"embed"
	htmltemplate "html/template"
	"io/fs"
	texttemplate "text/template"
)

//go:embed mail/*.txt web/*.html web/*.css
var files embed.FS

// Digest holds the learning summary's and the digests' templates
// (digest/*.txt, digest/*.html), which package digest parses with its
// own functions.
//
//go:embed digest/*.txt digest/*.html
var Digest embed.FS

// Set is the parsed templates.
type Set struct {
	Mail *texttemplate.Template
	Web  *htmltemplate.Template
	CSS  []byte
}

// Parse parses every template; it fails on the first broken one.
func Parse() (*Set, error) {
	m, err := texttemplate.New("mail").ParseFS(files, "mail/*.txt")
	if err != nil {
		return nil, err
	}
	w, err := htmltemplate.New("web").Funcs(webFuncs).ParseFS(files, "web/*.html")
	if err != nil {
		return nil, err
	}
	css, err := fs.ReadFile(files, "web/praxis.css")
	if err != nil {
		return nil, err
	}
	return &Set{Mail: m, Web: w, CSS: css}, nil
}

// MustParse is Parse for start-up code paths and tests where the embedded
// templates are known to be present.
func MustParse() *Set {
	s, err := Parse()
	if err != nil {
		panic("templates: " + err.Error())
	}
	return s
}
