// Package web is Praxis's HTTP side: the archive pages (lists, threads,
// posts, search with facets, resources), their Atom feeds and mbox
// downloads, the JSON API, email-link sign-in, the subscribe and leave
// forms, a member's settings (settings.go: /settings for a signed-in
// member, and the one-change links the robot mails to an unsigned `set`),
// the owners' and moderators' pages under /l/LIST/admin (listadmin.go:
// settings, roster, requests, bans, the held queue, the audit log; every
// change through the list domain's function the CLI uses too), and the RFC 8058 one-click unsubscribe
// endpoint that every copy's List-Unsubscribe header points at, whose page
// offers the ways of receiving the list before leaving it.
//
// A request passes through it like this: secureHeaders sets the headers
// every answer carries; the route's handler finds the visitor (who, from
// the session cookie) and the list they may read (readableList answers the
// same 404 for a private list as for none). The CPU-heavy routes (every
// form of search, thread and list pages and their API) first wait for a
// turn at the cores in a queue shared fairly by client (admission.go);
// downloads take a slot before they load anything, a few per client, the
// raw posts and attachments in a pool apart from the long exports, and
// stream under a write deadline per chunk and a floor on their average
// rate (download.go). Who the client is comes from the peer address, or from
// X-Forwarded-For when the peer is a configured trusted proxy (client.go),
// and the forms that send mail are limited per client and per client and
// address with expiring token buckets (limit.go).
//
// What a visitor sees of people depends on who they are (auth.go): only a
// member of the list, signed in, sees addresses; for everyone else every
// page, feed and API answer shows names and cuts the addresses in headers
// and bodies (render.Message.HideAddresses, index.SearchOptions
// HideAddresses), and the downloads of posts as they came (raw, mbox)
// follow the list's --raw-access.
//
// The commands of the shell reach a running serve through Admin, an HTTP
// API on the unix socket DATA/praxis.sock that only the data dir's owner
// can open (admin.go, socket.go); nothing of it answers on the TCP port.
package web
