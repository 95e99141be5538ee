package render

import (
	"reflect"
	"strings"
	"testing"
)

// blk builds an expected block.
func blk(kind BlockKind, depth int, attribution, text string) Block {
	return Block{Kind: kind, Depth: depth, Attribution: attribution, Text: text, Lines: strings.Count(text, "\n") + 1}
}

const mailman2Footer = "_______________________________________________\n" +
	"USRP-users mailing list\n" +
	"USRP-users@lists.ettus.com\n" +
	"http://lists.ettus.com/mailman/listinfo/usrp-users_lists.ettus.com"

const mailman3Footer = "_______________________________________________\n" +
	"USRP-users mailing list -- usrp-users@lists.ettus.com\n" +
	"To unsubscribe send an email to usrp-users-leave@lists.ettus.com"

func TestSplitBlocks(t *testing.T) {
	tests := []struct {
		name   string
		text   string
		flowed bool
		want   []Block
	}{
		{
			name: "plain",
			text: "Hello,\n\nit works.\n\nAnn\n",
			want: []Block{blk(Plain, 0, "", "Hello,\n\nit works.\n\nAnn")},
		},
		{
			name: "nested quotes with attributions",
			text: "Thanks, that helped.\n\n" +
				"On Mon, 1 Feb 2021 at 10:00, Bob <bob@example.org> wrote:\n" +
				"> Try a lower rate.\n" +
				">\n" +
				"> On Sun, 31 Jan 2021, Ann wrote:\n" +
				">> My B210 drops samples.\n" +
				">>> an even older line\n" +
				"\nAnn\n",
			want: []Block{
				blk(Plain, 0, "", "Thanks, that helped."),
				blk(Quote, 1, "On Mon, 1 Feb 2021 at 10:00, Bob <bob@example.org> wrote:", "Try a lower rate."),
				blk(Quote, 2, "On Sun, 31 Jan 2021, Ann wrote:", "My B210 drops samples."),
				blk(Quote, 3, "", "an even older line"),
				blk(Plain, 0, "", "Ann"),
			},
		},
		{
			name: "wrapped attribution",
			text: "Yes.\n\nOn Tue, Mar 2, 2021 at 4:24 PM Ann Example via USRP-users <\n" +
				"usrp-users@lists.ettus.com> wrote:\n\n> Does it?\n",
			want: []Block{
				blk(Plain, 0, "", "Yes."),
				blk(Quote, 1, "On Tue, Mar 2, 2021 at 4:24 PM Ann Example via USRP-users <\nusrp-users@lists.ettus.com> wrote:", "Does it?"),
			},
		},
		{
			name: "attribution inside the quote (Apple Mail)",
			text: "Sure.\n\n> On Jun 30, 2020, at 10:24 PM, Nate <nate@example.org> wrote:\n> \n> Hi All.\n",
			want: []Block{
				blk(Plain, 0, "", "Sure."),
				blk(Quote, 1, "On Jun 30, 2020, at 10:24 PM, Nate <nate@example.org> wrote:", "Hi All."),
			},
		},
		{
			name: "spaced markers and empty lines inside a quote",
			text: "> > deep\n> >\n> > still deep\n>\n> shallow\n\n> shallow again\n",
			want: []Block{
				blk(Quote, 2, "", "deep\n\nstill deep"),
				blk(Quote, 1, "", "shallow\n\nshallow again"),
			},
		},
		{
			name: "top posting and interleaving",
			text: "> question one\nanswer one\n> question two\n\nanswer two\n",
			want: []Block{
				blk(Quote, 1, "", "question one"),
				blk(Plain, 0, "", "answer one"),
				blk(Quote, 1, "", "question two"),
				blk(Plain, 0, "", "answer two"),
			},
		},
		{
			name: "signature",
			text: "Body.\n-- \nAnn Example\nhttps://example.org/\n",
			want: []Block{
				blk(Plain, 0, "", "Body."),
				blk(Signature, 0, "", "-- \nAnn Example\nhttps://example.org/"),
			},
		},
		{
			name: "signature needs the space",
			text: "Body.\n--\nnot a signature\n-- x\n",
			want: []Block{blk(Plain, 0, "", "Body.\n--\nnot a signature\n-- x")},
		},
		{
			name: "quoted signature stays quoted",
			text: "Reply.\n> Question.\n> -- \n> Bob\n",
			want: []Block{
				blk(Plain, 0, "", "Reply."),
				blk(Quote, 1, "", "Question.\n-- \nBob"),
			},
		},
		{
			name: "Mailman 2 footer",
			text: "Body.\n\n" + mailman2Footer + "\n",
			want: []Block{
				blk(Plain, 0, "", "Body."),
				blk(Footer, 0, "", mailman2Footer),
			},
		},
		{
			name: "Mailman 3 footer after a signature",
			text: "Body.\n-- \nAnn\n" + mailman3Footer + "\n\n",
			want: []Block{
				blk(Plain, 0, "", "Body."),
				blk(Signature, 0, "", "-- \nAnn"),
				blk(Footer, 0, "", mailman3Footer),
			},
		},
		{
			name: "footer alone (Mailman 2's own part)",
			text: mailman2Footer + "\n",
			want: []Block{blk(Footer, 0, "", mailman2Footer)},
		},
		{
			name: "quoted footer stays in its quote",
			text: "Reply.\n\n> Question.\n> " + strings.ReplaceAll(mailman2Footer, "\n", "\n> ") + "\n",
			want: []Block{
				blk(Plain, 0, "", "Reply."),
				blk(Quote, 1, "", "Question.\n"+mailman2Footer),
			},
		},
		{
			name: "underscores without a list are text",
			text: "Sign here:\n____________________\nName\n",
			want: []Block{blk(Plain, 0, "", "Sign here:\n____________________\nName")},
		},
		{
			name: "Google Groups footer",
			text: "Body.\n\n-- \nYou received this message because you are subscribed to the Google Groups \"x\" group.\nTo unsubscribe from this group, send an email to x+unsubscribe@googlegroups.com.\n",
			want: []Block{
				blk(Plain, 0, "", "Body."),
				blk(Footer, 0, "", "-- \nYou received this message because you are subscribed to the Google Groups \"x\" group.\nTo unsubscribe from this group, send an email to x+unsubscribe@googlegroups.com."),
			},
		},
		{
			name: "Outlook original message",
			text: "See below.\n\nRegards\n\n________________________________\n" +
				"From: Bob <bob@example.org>\nSent: Thursday, July 16, 2020 3:51 PM\nTo: Ann\nSubject: Re: sync\n\n" +
				"Use a common 10 MHz reference.\n> older\n",
			want: []Block{
				blk(Plain, 0, "", "See below.\n\nRegards"),
				blk(Quote, 1, "________________________________\nFrom: Bob <bob@example.org>\nSent: Thursday, July 16, 2020 3:51 PM\nTo: Ann\nSubject: Re: sync", "Use a common 10 MHz reference."),
				blk(Quote, 2, "", "older"),
			},
		},
		{
			name: "Outlook original message marker",
			text: "Agreed.\n\n-----Original Message-----\nFrom: Bob [mailto:bob@example.org]\nSent: Monday, July 20, 2020 7:58 PM\nSubject: delay\n\nThe delay is one sample.\n",
			want: []Block{
				blk(Plain, 0, "", "Agreed."),
				blk(Quote, 1, "-----Original Message-----\nFrom: Bob [mailto:bob@example.org]\nSent: Monday, July 20, 2020 7:58 PM\nSubject: delay", "The delay is one sample."),
			},
		},
		{
			name: "Outlook in Chinese",
			text: "好的。\n\n发件人: 王伟 <wang@example.cn>\n发送时间: 2021年4月1日 10:00\n收件人: usrp-users\n主题: 回复: B210\n\n原文。\n",
			want: []Block{
				blk(Plain, 0, "", "好的。"),
				blk(Quote, 1, "发件人: 王伟 <wang@example.cn>\n发送时间: 2021年4月1日 10:00\n收件人: usrp-users\n主题: 回复: B210", "原文。"),
			},
		},
		{
			name: "Outlook in French, full-width colons and non-breaking spaces",
			text: "Merci.\n\nDe\u00a0: Luc <luc@example.fr>\nEnvoyé : jeudi 23 juillet 2020 15:46\nÀ : usrp-users\nObjet : Re: X310\n\nTexte.\n",
			want: []Block{
				blk(Plain, 0, "", "Merci."),
				blk(Quote, 1, "De\u00a0: Luc <luc@example.fr>\nEnvoyé : jeudi 23 juillet 2020 15:46\nÀ : usrp-users\nObjet : Re: X310", "Texte."),
			},
		},
		{
			name: "Outlook in German, bold",
			text: "Danke.\n\n*Von:* Jörg <j@example.de>\n*Gesendet:* Montag, 1. Februar 2021\n*Betreff:* AW: N321\n\nText.\n",
			want: []Block{
				blk(Plain, 0, "", "Danke."),
				blk(Quote, 1, "*Von:* Jörg <j@example.de>\n*Gesendet:* Montag, 1. Februar 2021\n*Betreff:* AW: N321", "Text."),
			},
		},
		{
			name: "runs of empty lines are one",
			text: "one\n\n\n\n\ntwo\n \n\t\nthree\n> a\n>\n>\n> b\n",
			want: []Block{blk(Plain, 0, "", "one\n\ntwo\n\nthree"), blk(Quote, 1, "", "a\n\nb")},
		},
		{
			name: "a forward is not a quote",
			text: "FYI\n\n---------- Forwarded message ---------\nFrom: Bob <bob@example.org>\nDate: Mon, 1 Feb 2021\nSubject: news\n\nNew release.\n",
			want: []Block{blk(Plain, 0, "", "FYI\n\n---------- Forwarded message ---------\nFrom: Bob <bob@example.org>\nDate: Mon, 1 Feb 2021\nSubject: news\n\nNew release.")},
		},
		{
			name: "attribution without a quote stays plain",
			text: "Bob wrote:\n\nnothing quoted\n",
			want: []Block{blk(Plain, 0, "", "Bob wrote:\n\nnothing quoted")},
		},
		{
			name:   "format=flowed",
			flowed: true,
			text:   "This is one \nparagraph.\n>> quoted \n>> and joined\n \nFrom me\n-- \nsig\n",
			want: []Block{
				blk(Plain, 0, "", "This is one paragraph."),
				blk(Quote, 2, "", "quoted and joined"),
				blk(Plain, 0, "", "From me"),
				blk(Signature, 0, "", "-- \nsig"),
			},
		},
		{
			name: "empty",
			text: "\n\n  \n",
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := splitBlocks(tt.text, tt.flowed, false)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got:\n%s\nwant:\n%s", showBlocks(got), showBlocks(tt.want))
			}
		})
	}
}

func showBlocks(bs []Block) string {
	var b strings.Builder
	for _, x := range bs {
		b.WriteString("[" + x.Kind.String())
		if x.Depth > 0 {
			b.WriteString(" depth " + string(rune('0'+x.Depth)))
		}
		if x.Attribution != "" {
			b.WriteString(" attribution " + quoteString(x.Attribution))
		}
		b.WriteString(" lines " + string(rune('0'+x.Lines%10)) + "] " + quoteString(x.Text) + "\n")
	}
	return b.String()
}

func quoteString(s string) string { return "«" + strings.ReplaceAll(s, "\n", "⏎") + "»" }

func TestQuoteDepth(t *testing.T) {
	tests := []struct {
		line  string
		depth int
		text  string
	}{
		{"plain", 0, "plain"},
		{"> one", 1, "one"},
		{">one", 1, "one"},
		{">> two", 2, "two"},
		{"> > two", 2, "two"},
		{">  indented", 1, " indented"},
		{">", 1, ""},
		{"> >", 2, ""},
		{" > not a quote", 0, " > not a quote"},
	}
	for _, tt := range tests {
		d, text := quoteDepth(tt.line)
		if d != tt.depth || text != tt.text {
			t.Errorf("quoteDepth(%q) = %d, %q; want %d, %q", tt.line, d, text, tt.depth, tt.text)
		}
	}
}

func TestBlockKindString(t *testing.T) {
	for k, want := range map[BlockKind]string{Plain: "plain", Quote: "quote", Signature: "signature", Footer: "footer", Note: "note", 42: "unknown"} {
		if got := k.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", k, got, want)
		}
	}
}
