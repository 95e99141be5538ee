package render_test

import (
	"fmt"

	"praxis/archive/render"
)

func ExampleRender() {
	raw := []byte("From: Ann Example <ann@example.org>\r\n" +
		"Subject: =?utf-8?q?Re=3A_B210_overflows?=\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"\r\n" +
		"Lower the sample rate; see https://kb.ettus.com/B200/B210.\r\n" +
		"\r\n" +
		"On Mon, 1 Feb 2021, Bob wrote:\r\n" +
		"> I get O's at 56 Msps.\r\n" +
		"-- \r\n" +
		"Ann\r\n")
	m := render.Render(raw)
	fmt.Printf("%s, from %s <%s>\n", m.Subject, m.From, m.FromAddr)
	for _, b := range m.Parts[0].Blocks {
		fmt.Printf("%s %d %q %q\n", b.Kind, b.Depth, b.Attribution, b.Text)
	}
	fmt.Println(render.Links(raw))
	// Output:
	// Re: B210 overflows, from Ann Example <ann@example.org>
	// plain 0 "" "Lower the sample rate; see https://kb.ettus.com/B200/B210."
	// quote 1 "On Mon, 1 Feb 2021, Bob wrote:" "I get O's at 56 Msps."
	// signature 0 "" "-- \nAnn"
	// [https://kb.ettus.com/B200/B210]
}

func ExampleAttachmentData() {
	raw := []byte("Content-Type: multipart/mixed; boundary=b\r\n" +
		"\r\n" +
		"--b\r\n" +
		"\r\n" +
		"The page, attached.\r\n" +
		"--b\r\n" +
		"Content-Type: text/html; name=\"page.html\"\r\n" +
		"\r\n" +
		"<script>alert(1)</script>\r\n" +
		"--b--\r\n")
	for _, a := range render.Render(raw).Attachments {
		data, _, err := render.AttachmentData(raw, a.Index)
		fmt.Println(a.Index, a.Filename, a.SafeType, len(data), err)
	}
	// Output:
	// 2 page.html application/octet-stream 25 <nil>
}
