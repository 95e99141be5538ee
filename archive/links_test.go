package archive

import (
	"slices"
	"strings"
	"testing"

	"praxis/archive/learn"
	"praxis/listserv/mailmsg"
)

func TestLinks(t *testing.T) {
	tests := []struct {
		name, body string
		want       []string
	}{
		{"plain", "See https://files.ettus.com/manual/page_dpdk.html for DPDK.", []string{"https://files.ettus.com/manual/page_dpdk.html"}},
		{"punctuation", "Docs (https://example.org/a_(b)) and http://example.com/x, then https://example.net/y.", []string{"https://example.org/a_(b)", "http://example.com/x", "https://example.net/y"}},
		{"bracketed", "<https://example.org/z> twice https://example.org/z", []string{"https://example.org/z"}},
		{"footer", "my link https://a.example/1\n_______________________________________________\nUSRP-users mailing list\nhttp://lists.ettus.com/mailman/listinfo/usrp-users", []string{"https://a.example/1"}},
		{"underscores alone", "__________________________\nhttps://b.example/2", []string{"https://b.example/2"}},
		{"none", "no links here, just http:// and www.example.org", nil},
		// A mail client's text of an HTML mail, without its line breaks.
		{"glued", "the RFNoCFosphor block:https://github.com/EttusResearch/uhd/tree/master/fpga/usrp3/lib/rfnoc/fosphorhttps://github.com/EttusResearch/uhd/blob/master/host/include/uhd/rfnoc/blocks/fosphor.ymlThe GR 3.8 support",
			[]string{"https://github.com/EttusResearch/uhd/tree/master/fpga/usrp3/lib/rfnoc/fosphor", "https://github.com/EttusResearch/uhd/blob/master/host/include/uhd/rfnoc/blocks/fosphor.yml"}},
		{"a URL in another's query", "https://example.org/login?next=https://example.org/a and https://example.org/b/index.html", []string{"https://example.org/login?next=https://example.org/a", "https://example.org/b/index.html"}},
		{"code fenced", "It fails:\n```\nError: RuntimeError: see http://files.example.org/manual/page_x3x0.html#flash\n```\nThe manual is https://files.example.org/manual/", []string{"https://files.example.org/manual/"}},
		{"a method's anchor after .html", "Set as in https://doc.qt.io/qtforpython-6/PySide6/QtWidgets/QWidget.html#PySide6.QtWidgets.QWidget.setLayout and it works.",
			[]string{"https://doc.qt.io/qtforpython-6/PySide6/QtWidgets/QWidget.html#PySide6.QtWidgets.QWidget.setLayout"}},
		{"inline code in triple backticks is no fence", "```uhd_find_devices``` finds nothing.\nThe manual at https://files.example.org/manual/page_usrp_b200.html says it should.\n```uhd_usrp_probe``` fails too.\nAny idea?",
			[]string{"https://files.example.org/manual/page_usrp_b200.html"}},
		{"a fence left open", "Link it so:\n```\ng++ app.cpp -Wl,-whole-archive libuhd.a\n\nFrom https://files.example.org/manual/page_build_guide.html\n\nSubu\n```", []string{"https://files.example.org/manual/page_build_guide.html"}},
		{"a signature's banner", "Set dpdk_driver.\n\nJovian Wysocki\nSoftware Engineer\n[https://www.ni.example/content/email/signature/email-sig-banner.png]<https://www.ni.example/r/zf03uz>\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Links(tt.body); !slices.Equal(got, tt.want) {
				t.Errorf("Links = %q, want %q", got, tt.want)
			}
		})
	}
}

// HTML-only mail gives the index its words, not its markup.
func TestTextOfHTMLOnlyMail(t *testing.T) {
	raw := []byte("From: a@example.com\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" +
		"<html><head><style>p{color:red}</style></head><body><p>Calibrate the <b>lathe</b> first.</p>" +
		"<blockquote>older words</blockquote><script>var hidden = 1;</script></body></html>")
	_, body, quoted := Text(raw)
	if !strings.Contains(body, "Calibrate the lathe first.") || strings.Contains(body, "<") || strings.Contains(body, "hidden") || strings.Contains(body, "color") {
		t.Errorf("body %q", body)
	}
	if !strings.Contains(quoted, "older words") || strings.Contains(body, "older words") {
		t.Errorf("quoted %q, body %q", quoted, body)
	}
}

// TestSharedLinks: the links of a post's own text that can be resources,
// and those a program printed in output pasted into it, which cannot.
func TestSharedLinks(t *testing.T) {
	for _, tt := range []struct {
		name, body string
		want       []string
	}{
		{"shared in prose", "The manual explains it: https://files.example.org/manual/page_e310.html\n\nAnn", []string{"https://files.example.org/manual/page_e310.html"}},
		{"apt's output", "I get this:\n\nGet:1 http://archive.ubuntu.com/ubuntu focal InRelease [265 kB]\nHit:2 http://ppa.launchpad.net/ettusresearch/uhd/ubuntu focal InRelease\nE: Unable to locate package\n", nil},
		{"a log with levels", "[INFO] fetching https://files.example.org/images/x310.zip\n[ERROR] checksum mismatch", nil},
		{"beside a command", "*root@lab:/home/oai#\nsudo add-apt-repository ppa:ettusresearch/uhd*\n\n* More info: https://launchpad.net/~ettusresearch/+archive/ubuntu/uhd\n", nil},
		{"prose between a log and a link", "[INFO] Images download complete.\n\nThis seems to download this file:\nhttps://files.example.org/e310_sdimg.zip\n\nI wrote it to a card.", []string{"https://files.example.org/e310_sdimg.zip"}},
		{"a signature's contact line and a disclaimer", "Try a new FPGA image, see https://files.example.org/manual/page_n310.html\n---\nDr Mike Dickens\nWeb: https://ettus.example/\n\nDISCLAIMER: Any attached Code is provided As Is. Standard licenses can be\nfound at https://www.ettus.example/sdr-software/licenses/ .\n", []string{"https://files.example.org/manual/page_n310.html"}},
		{"a link pasted beside apt's output", "Err:6 http://ppa.launchpad.net/ettusresearch/uhd/ubuntu focal Release\n\nhttps://launchpad.net/~ettusresearch/+archive/ubuntu/uhd/+packages\n\nE: The repository 'http://ppa.launchpad.net/ettusresearch/uhd/ubuntu focal Release' does not have a Release file.\n", []string{"https://launchpad.net/~ettusresearch/+archive/ubuntu/uhd/+packages"}},
		{"a company signature", "Use 20 Msps.\n\nKoyel\nVehere | Intelligence\nM: +91 905 | T: +91 33 | W: www.vehere.com<http://www.vehere.com/>\n\n[unnamed]<https://www.linkedin.com/company/vehere> [unnamed (1)] <https://twitter.com/Vehere\nSee also https://twitter.com/VehereIndia\n", nil},
		{"a signature's banner", "Use 20 Msps.\n\nKoyel\n[unnamed]<https://www.vehere.example/awards/2021>\n", nil},
		{"a list manager's and a mail client's links", "Unsubscribe at https://lists.example.org/mailman/listinfo/cop or https://lists.example.org/postorius/lists/cop.example.org/\n\nGet Outlook for Android<https://aka.ms/ghei36>\n", nil},
		{"an original pasted below Outlook's rule", "Yes, use the B210.\n\n________________________________\nFrom: Ann\nSee https://files.example.org/manual/page_b200.html\n", nil},
		{"a home page signing off", "Use a shorter cable.\n\nBob\nhttps://www.bob.example/\n", nil},
		{"a home page in prose", "The vendor's site https://www.bob.example/ has the datasheets under Support, and the\nforum is helpful too.\n\nMore text.\nMore text.\nMore text.\nMore text.\nMore text.\nMore text.\n", []string{"https://www.bob.example/"}},
		{"a bracketed link wrapped", "The docs say: 'When calling\n<https://files.example.com/manual/classuhd_1_1device.html#a66d1bf289dd03a03df3\n860f3eee578c0> get_tx_stream() a second time', see also <https://files.example.com/a\nb c>.", []string{"https://files.example.com/manual/classuhd_1_1device.html#a66d1bf289dd03a03df3860f3eee578c0", "https://files.example.com/a"}},
		{"a command that fetches", "I built it so:\n\ngit clone https://github.com/EttusResearch/uhd\ncd uhd/host && mkdir build\n\nThe manual: https://files.example.org/manual/page_build_guide.html\n", []string{"https://files.example.org/manual/page_build_guide.html"}},
		{"a numbered step that fetches", "What I did:\n\n1) git clone https://github.com/EttusResearch/uhd.git\n2) cmake ..\n\nThe guide: https://files.example.org/manual/page_build_guide.html\n", []string{"https://files.example.org/manual/page_build_guide.html"}},
		{"a quoted command that fetches", "I ran\n  \"git clone https://github.com/EttusResearch/uhd.git\"\nand then built it.", nil},
		{"a fetching tool's progress", "I get the following errors:\n\nDownloading Repo source from https://gerrit.googlesource.com/git-repo\nDownloading manifest from git://github.com/EttusResearch/oe-manifests.git\nfatal: cannot get manifest", nil},
		{"a step that reads a page is shared", "Steps:\n1) read https://kb.example.com/Building_UHD first\n2) then build", []string{"https://kb.example.com/Building_UHD"}},
		{"a code host profile in a signature", "We meet on Saturday, details at https://wiki.example.org/index.php/User:Duggabe\n\n73,\n---\nBarry Duggan KV4FV\nhttps://github.com/duggabe\n", []string{"https://wiki.example.org/index.php/User:Duggabe"}},
		{"a wiki page below a sign-off is shared", "Use the battery kit.\n\nRegards,\nMarcus\n\nhttps://kb.example.com/USRP_E312_Battery_Replacement_Instructions\n", []string{"https://kb.example.com/USRP_E312_Battery_Replacement_Instructions"}},
		{"a code host profile in prose is shared", "His fork is at https://github.com/duggabe and has the blocks.\n\nBob", []string{"https://github.com/duggabe"}},
		{"a sentence that fetches is prose", "Hi Marcus,\n\nDownloading the FPGA images from https://files.example.com/binaries/cache/b2xx/ and flashing them fixed it.\n\nThanks a lot, it works now.\n", []string{"https://files.example.com/binaries/cache/b2xx/"}},
		{"numbered dates are no log", "Upcoming talks:\n1. 2021-11-04 16:00 UTC: https://www.youtube.example/watch?v=abcdefghijk\n2. 2021-11-05 16:00 UTC: https://www.youtube.example/watch?v=bcdefghijkl\nSee you there!\n", []string{"https://www.youtube.example/watch?v=abcdefghijk", "https://www.youtube.example/watch?v=bcdefghijkl"}},
		{"a labelled link above numbered commands", "Steps I followed:\nBuild guide: https://files.example.com/manual/page_build_guide.html\n1) git clone https://github.com/EttusResearch/uhd.git\n2) cmake ..\n", []string{"https://files.example.com/manual/page_build_guide.html"}},
		{"a profile page announced below a thank-you", "Hi Ann,\n\nThanks for asking.\nAll my blocks are at:\nhttps://github.com/ghostop14\n\nMike\n", []string{"https://github.com/ghostop14"}},
		{"a profile page in a sentence after thanks", "Yes.\n\nThanks,\nsee https://gitlab.com/librespacefoundation for the code.\n", []string{"https://gitlab.com/librespacefoundation"}},
		{"Outlook's rule with the original's header taken out", "Thanks much!\n\nJeff\n\n" + strings.Repeat("_", 32) + "\nHi Jeff,\n\nRFNoC 4: https://www.youtube.example/watch?v=M9\n", nil},
		{"a program's box is no Outlook rule", "uhd_usrp_probe says:\n  " + strings.Repeat("_", 50) + "\n /\n|  Device: B-Series Device\n\nHere is a photo: https://i.imgur.example/x.png", []string{"https://i.imgur.example/x.png"}},
		{"a home page shared before the sign-off", "Alekh's blog:\n\nhttps://grdpd.example/\n\nBest regards,\nAlekh", []string{"https://grdpd.example/"}},
		{"a home page in a one-line post", "Have a look at https://pysdr.example/", []string{"https://pysdr.example/"}},
		{"a labelled link mid-post", "Hi Ann,\n\nURL: https://github.com/EttusResearch/uhd/pull/123\n\nThat fixes it.\n\nRob", []string{"https://github.com/EttusResearch/uhd/pull/123"}},
		{"a signature's home page after a sign-off", "Use the B210.\n\nCheers, Bob\nhttps://www.bob.example/\nWeb: https://lab.bob.example/\n", nil},
		{"a short line before a bracket is no wrapped link", "see <https://a.example/x\n2>&1 | tee log", []string{"https://a.example/x"}},
		{"a wrapped link in capitals", "The docs say, for the case you describe, to look at the page below:\n<HTTPS://files.example.com/manual/classuhd_1_1device.html#a66d1bf289dd03a03df3\n860f3eee578c0> please.", []string{"HTTPS://files.example.com/manual/classuhd_1_1device.html#a66d1bf289dd03a03df3860f3eee578c0"}},
		{"a search on a social network", "See what people say: https://twitter.com/search?q=uhd", []string{"https://twitter.com/search?q=uhd"}},
		{"a gateway's wrapper beside the plain link", "The posting: https://jobs.example.edu/postings/140981\n\nhttps://urldefense.com/v3/__https:/jobs.example.edu/postings/140981__;!!FbZ0ZwI3Qg!8ZYD_TBCKFQ62_fq$\n", []string{"https://jobs.example.edu/postings/140981"}},
		{"a wrapper whose link had a #", "See https://urldefense.com/v3/__https://files.example.com/manual/log_8hpp.html*loghpp_logging__;Iw!!L8f3-wPVSng!S9U4pGFMep$ for the levels.", []string{"https://files.example.com/manual/log_8hpp.html#loghpp_logging"}},
		{"a wrapper's run of listed characters", "See https://urldefense.com/v3/__https://a.example/q**Bb**A__;JiYjPz8!!x$ here.", []string{"https://a.example/q&&#b??"}},
		{"a wrapper whose list runs short stays wrapped", "See https://urldefense.com/v3/__https://a.example/x*y*z__;Iw!!x$ here.", []string{"https://urldefense.com/v3/__https://a.example/x*y*z__;Iw!!x$"}},
		{"a version 2 wrapper of a footer", "Unsubscribe: https://urldefense.proofpoint.com/v2/url?u=http-3A__lists.example.com_mailman_listinfo_usrp-2Dusers-5Flists.example.com&d=DwMFaQ&c=eu&e=\n", nil},
		{"a version 2 wrapper", "Read https://urldefense.proofpoint.com/v2/url?u=https-3A__kb.example.com_E320-5FGuide-23Mender&d=DwMFaQ&e= first.", []string{"https://kb.example.com/E320_Guide#Mender"}},
		{"Safe Links", "The issue: https://eur03.safelinks.protection.outlook.com/?url=https%3A%2F%2Fgithub.com%2FEttusResearch%2Fuhd%2Fissues%2F275&data=02%7C01&reserved=0", []string{"https://github.com/EttusResearch/uhd/issues/275"}},
		{"Safe Links around URL Defense", "See https://eur03.safelinks.protection.outlook.com/?url=https%3A%2F%2Furldefense.com%2Fv3%2F__https%3A%2Fkb.example.com%2FE320*Mender__%3BIw!!x%24&data=02 there.", []string{"https://kb.example.com/E320#Mender"}},
		{"Safe Links without a link inside", "See https://eur03.safelinks.protection.outlook.com/?data=02%7C01 there.", []string{"https://eur03.safelinks.protection.outlook.com/?data=02%7C01"}},
		{"a device's private address", "Browse to http://192.168.10.2 or https://urldefense.com/v3/__http://192.168.10.2__;!!KGKeukY!jxT56$ or http://localhost:8080/status, and see http://203.0.113.9/docs.", []string{"http://203.0.113.9/docs"}},
		{"a picture's name glued on", "See http://ettus.example/USRP-users-X300-td8647.html[Image.jpeg] for the thread.", []string{"http://ettus.example/USRP-users-X300-td8647.html"}},
	} {
		if got := Links(tt.body); !slices.Equal(got, tt.want) {
			t.Errorf("%s: Links = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// FuzzLinks: whatever a post's text holds, Links gives each http(s) URL
// at most once, whole (as IsHTTP reads it), and of bounded length; and
// nothing that follows a post's first line hides the link shared in it.
func FuzzLinks(f *testing.F) {
	for _, s := range []string{
		"See https://files.example.com/manual/page_install.html\n",
		"<https://a.example/x\ny> and <https://a.example/\n",
		"Get:1 http://archive.example/ubuntu focal\n* More info: https://b.example/x\n",
		"Web: https://c.example/\nDISCLAIMER: https://d.example/\n",
		"https://e.example/Datasheet.pdfOn Mon wrote:\n[unnamed]<https://twitter.com/x>",
		"______________________\nFrom: x\nhttps://f.example/\n",
		"https://urldefense.com/v3/__https:/g.example/a*b__;Iw!!x$ https://g.example/a#b\n",
		"https://urldefense.proofpoint.com/v2/url?u=https-3A__h.example_x-2D&d=y\n",
		"https://x.safelinks.protection.outlook.com/?url=https%3A%2F%2Fi.example%2F%3Cb%3E\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		// Whatever follows, a link shared in a post's first line is
		// listed, first.
		const first = "https://docs.example.org/manual/page.html"
		if got := Links("See " + first + " for it.\n\n" + body); len(got) == 0 || got[0] != first {
			t.Errorf("the first line's link is not listed first: %q", got)
		}
		seen := map[string]bool{}
		for _, u := range Links(body) {
			if seen[u] {
				t.Errorf("%q twice", u)
			}
			seen[u] = true
			if !mailmsg.IsHTTP(u) || len(u) > 2000 {
				t.Errorf("%q is no URL to list", u)
			}
		}
	})
}

// TestPrefiltersAgree: the words the link patterns look for first
// (learn.Pattern) never turn away a line or a URL their expression would
// match.
func TestPrefiltersAgree(t *testing.T) {
	lines := []string{
		"DISCLAIMER: Any attached Code is provided As Is.", "*CONFIDENTIALITY NOTICE: This e-mail is private.",
		"This e-mail and any files transmitted with it are confidential.", "This message may contain privileged data.",
		"LEGAL NOTICE", "PRIVILEGED AND CONFIDENTIAL", "disclaimer: lower case", "this email is confidential",
		"Web: https://ettus.example/", "WEBSITE : www.example.org", "M: +91 905 | T: +91 33 | W: www.vehere.example",
		"w: www.example.org | phone: 1", "LinkedIn: https://www.linkedin.com/in/x", "Email: a@example.org",
		"Please see the web: https://example.org/ for all the details you need here",
		"[unnamed]<https://twitter.com/x> [image: logo.png] <https://x.example/>",
	}
	for _, l := range lines {
		for _, v := range []string{l, strings.ToUpper(l), strings.ToLower(l)} {
			agree(t, v, disclaimer, contactLine, iconLink)
		}
	}
	urls := []string{
		"http://lists.example.org/mailman/listinfo/cop", "https://lists.example.org/mailman3/lists/cop.example.org/",
		"https://lists.example.org/postorius/lists/x/", "https://lists.example.org/empathy/list/cop.example.org",
		"https://lists.example.org/hyperkitty/list/cop@example.org/", "https://example.org/unsubscribe?id=1",
		"https://example.org/confirm/abc", "https://res.outlook.com/x", "https://outlook.example/owa/prem/x",
		"https://aka.ms/ghei36", "https://go.microsoft.com/fwlink/?LinkId=1", "https://www.linkedin.com/company/vehere",
		"https://twitter.com/Vehere", "https://www.facebook.com/x/", "https://instagram.com/x",
	}
	for _, u := range urls {
		for _, v := range []string{u, strings.ToUpper(u)} {
			agree(t, v, footerURL, clientURL, socialProfile)
		}
	}
}

func agree(t *testing.T, s string, ps ...*learn.Pattern) {
	t.Helper()
	for _, p := range ps {
		if got, want := p.MatchString(s), p.Regexp().MatchString(s); got != want {
			t.Errorf("%s on %q: %v, its expression says %v", p.Regexp(), s, got, want)
		}
	}
}
