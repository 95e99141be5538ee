// Package request names, as people see them, the requests someone makes
// of a list: what a request led to (Outcome), what confirming one does
// (Describe), and the web addresses that answer them. The robot, which
// carries requests out, and the web, which shows them, both use it; it
// imports only the store's records.
package request
