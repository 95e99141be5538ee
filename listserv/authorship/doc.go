// Package authorship decides whose mail a message is, as far as DKIM and
// DMARC prove it. The checks ask it whether a post's From may be taken at
// its word (AuthorTrusted, AuthorUnsignable); the robot asks whether a
// mailed command is signed by its sender, fresh, and not a replay
// (CommandProven, with its replay cache of claimed signatures); the copy's
// rewriting asks whether an author's domain forbids relaying its From
// (StrictDMARC).
package authorship
