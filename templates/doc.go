// Package templates holds every email and web template and the CSS,
// embedded in the binary and parsed at start-up, so that a broken template
// fails start-up (and a test) rather than a delivery.
//
// mail/ holds text/template files for the mail Praxis writes (footers,
// notices); web/ holds html/template pages and praxis.css.
package templates
