// Package clientkey names the client a limit counts: the SMTP connection
// limits (smtpin), the IMAP login limiter (apppass) and the web's rate
// limits (archive/web) all key a client by Of, so that one host is one
// client to each of them. It imports nothing but the standard library.
package clientkey
