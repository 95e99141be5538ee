package imapin

import (
	"testing"

	"praxis/listserv/inbound"
)

func TestEnvelopeSender(t *testing.T) {
	tests := []struct{ raw, want string }{
		{"Return-Path: <bounce@example.net>\r\nFrom: a@example.org\r\n\r\nx", "bounce@example.net"},
		{"Return-Path: <>\r\nFrom: MAILER-DAEMON@example.org\r\n\r\nx", ""},
		{"From: Author <a@example.org>\r\n\r\nx", "a@example.org"},
		{"Return-Path: <not an address>\r\nFrom: a@example.org\r\n\r\nx", "a@example.org"},
		{"Return-Path: <first@example.net>\r\nReturn-Path: <second@example.net>\r\nFrom: a@example.org\r\n\r\nx", "first@example.net"},
		{"Return-Path: plain@example.net\r\nFrom: a@example.org\r\n\r\nx", "plain@example.net"},
		{"Subject: no author\r\n\r\nx", ""},
	}
	for _, tt := range tests {
		if got := envelopeSender(inbound.Summarize([]byte(tt.raw))); got != tt.want {
			t.Errorf("envelopeSender(%q) = %q, want %q", tt.raw, got, tt.want)
		}
	}
}
