// Package rewrite turns an accepted post into the copy each member receives.
//
// A post passes through it once it has been accepted and archived, on its way
// to fan-out: Prepare reads the raw message once and precomputes everything
// that is the same for every member, and Copy.Write then emits one member's
// copy, which is byte copying plus the one header line that is personal to
// the member (List-Unsubscribe with the member's one-click link). Fan-out to
// ten thousand members therefore costs one parse, not ten thousand.
//
// The package follows the house rule "relay bytes, not re-encodings":
//
//   - Header fields are read and removed with go-message's textproto.Header;
//     every field that is kept is written back with its original bytes and in
//     its original order, so signatures over them (DKIM) keep their input.
//     Only the Subject is rewritten, and only when its text changes.
//   - The list's own fields (RFC 2369, RFC 2919, RFC 8058, RFC 5064) are
//     written after the original fields, in one fixed order (see Prepare).
//   - The body is never decoded and re-encoded. The footer is added the
//     MIME-aware way: appended to a plain 7bit/8bit text/plain body, added as
//     a new part of a multipart/mixed, or added by wrapping the original body
//     in a new multipart/mixed. Signed or encrypted messages and anything
//     whose MIME structure cannot be read safely are relayed without a footer.
//
// Nothing here fails on a strange message: a post has already been accepted
// and stored when it gets here, so the worst outcome of a malformed message is
// a copy without a footer, never a copy that is not sent.
package rewrite
