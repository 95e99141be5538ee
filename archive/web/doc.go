// Package web is Praxis's HTTP side: for now the RFC 8058 one-click
// unsubscribe endpoint that every copy's List-Unsubscribe header points at,
// with a confirmation page for people who open the link in a browser. The
// archive pages, search, feeds and moderation pages join it later.
package web
