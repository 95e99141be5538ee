package learn

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestTopics: where a thread holds more than one conversation, and where
// it does not.
func TestTopics(t *testing.T) {
	day := time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC)
	at := func(d int) time.Time { return day.AddDate(0, 0, d) }
	post := func(id, parent, from, subject, body string, d int) *Post {
		return &Post{MessageID: id, ThreadID: "t", ParentID: parent, Date: at(d), FromAddr: from, Key: from, Subject: subject, Body: body}
	}
	tests := []struct {
		name   string
		posts  []*Post
		starts []string // the topics' first posts, oldest first
	}{
		{"one conversation", []*Post{
			post("a", "", "ann@x", "B210 overflows at 20 Msps", "I get overflows at 20 Msps on my B210. What should I tune?", 0),
			post("b", "a", "bob@x", "Re: B210 overflows at 20 Msps", "Use a USB 3 port and raise the buffer sizes with recv_buff_size.", 0),
			post("c", "b", "cat@x", "Re: B210 overflows at 20 Msps", "I have the same problem with my B210, the overflows never stop.", 1),
		}, []string{"a"}},
		{"subject changed to a new matter", []*Post{
			post("a", "", "ann@x", "B210 overflows", "I get overflows on my B210 at 20 Msps, any idea?", 0),
			post("b", "a", "bob@x", "Re: B210 overflows", "Use a USB 3 port, and check the cable.", 0),
			post("c", "b", "bob@x", "GPSDO lock on the X310 (was: B210 overflows)", "By the way, does anyone know how long the GPSDO takes to lock?", 1),
		}, []string{"a", "c"}},
		{"a reply marker and a tag are no new subject", []*Post{
			post("a", "", "ann@x", "B210 overflows", "I get overflows on my B210 at 20 Msps, any idea?", 0),
			post("b", "a", "bob@x", "Re: [EXTERNAL] B210 overflows", "Use a USB 3 port, and check the cable.", 0),
		}, []string{"a"}},
		{"a new subject that shares only the list's name", []*Post{
			post("a", "", "zhou@x", "[USRP-users] Rx Packet Drop in N321 USRP", "I see dropped packets on my N321 at 100 Msps. What should I check?", 0),
			post("b", "a", "marcus@x", "Re: [USRP-users] Rx Packet Drop in N321 USRP", "Raise the socket buffers with sysctl.", 0),
			post("c", "b", "zhou@x", "[USRP-users] USRP Calibration", "How do I calibrate the N321 and the X310 against a power meter?", 1),
		}, []string{"a", "c"}},
		{"the same matter under the list's name", []*Post{
			post("a", "", "ann@x", "[USRP-users] USRP B210 overflows", "I get overflows on my B210 at 20 Msps, any idea?", 0),
			post("b", "a", "bob@x", "Re: [USRP-users] B210 overflows", "Use a USB 3 port, and check the cable.", 0),
		}, []string{"a"}},
		{"a newcomer's own question in a thread quiet for months", []*Post{
			post("a", "", "ann@x", "Loopback in one flowgraph", "Is a software loopback of TX to RX possible in one flowgraph?", 0),
			post("b", "a", "bob@x", "Re: Loopback in one flowgraph", "Yes, apply the patch from the pull request and rebuild gr-ettus.", 1),
			post("c", "b", "cat@x", "Re: Loopback in one flowgraph", "I get an AttributeError when I run the example grc after the patch, what am I missing?", 120),
			post("d", "c", "bob@x", "Re: Loopback in one flowgraph", "Rebuild the swig bindings with make ettus_swig and install them again.", 121),
		}, []string{"a", "c"}},
		{"a newcomer's answer to a quiet thread is no topic", []*Post{
			post("a", "", "ann@x", "Loopback in one flowgraph", "Is a software loopback of TX to RX possible in one flowgraph?", 0),
			post("b", "a", "dan@x", "Re: Loopback in one flowgraph", "Yes, apply the patch from the pull request and rebuild gr-ettus.", 60),
		}, []string{"a"}},
		{"the same trouble on another model", []*Post{
			post("a", "", "ann@x", "Loopback fails", "On my X310 the loopback example fails with an AttributeError, any idea?", 0),
			post("b", "a", "bob@x", "Re: Loopback fails", "Rebuild the swig bindings and install them again.", 1),
			post("c", "b", "cat@x", "Re: Loopback fails", "I have a similar problem here with an E320: the example fails after the rebuild, what else should I check?", 2),
		}, []string{"a", "c"}},
		{"a subject renamed while answering is no topic", []*Post{
			post("a", "", "nando@x", "B200mini overflows at 56 Msps", "My B200mini overflows at 56 Msps after a few minutes, any idea?", 0),
			post("b", "a", "marcus@x", "Re: B200mini overflows at 56 Msps", "Repeat the test with num_recv_frames=128 in the device arguments.", 0),
			post("c", "b", "nando@x", "Re: B200mini overflows at 56 Msps", "Which argument string do you mean, and where does it go?", 1),
			post("d", "c", "marcus@x", "UHD num_recv_frames, etc", "You have to specify those parameters when the device is made, which makes a change of rate mid-session awkward.", 1),
		}, []string{"a"}},
		{"a newcomer's answer from their own case is no topic", []*Post{
			post("a", "", "ann@x", "DPDK setup with UHD 4.0", "UHD does not find my NIC with DPDK on the N310, what am I missing?", 0),
			post("b", "a", "bob@x", "Re: DPDK setup with UHD 4.0", "Check the driver binding with dpdk-devbind.", 1),
			post("c", "b", "wade@x", "Re: DPDK setup with UHD 4.0", "I also had a lot of trouble getting DPDK to be recognized on my X310. In my case, I had hyphens instead of underscores in uhd.conf.", 40),
		}, []string{"a"}},
		{"the same problem on another model is a me too", []*Post{
			post("a", "", "ann@x", "DPDK drops samples at low rates", "With DPDK my N320 drops samples even at 10 Msps, any idea?", 0),
			post("b", "a", "bob@x", "Re: DPDK drops samples at low rates", "Try the Mellanox NIC and its own driver.", 1),
			post("c", "b", "cat@x", "Re: DPDK drops samples at low rates", "I have the same problem with DPDK on my X310 and an X520 NIC, what else can I check?", 2),
		}, []string{"a"}},
		{"a newcomer's own trouble told 'in my case' with a plea is a topic", []*Post{
			post("a", "", "ann@x", "B210 lost after reboot", "My B210 is not found after a reboot, any idea?", 0),
			post("b", "a", "bob@x", "Re: B210 lost after reboot", "Load the firmware again with uhd_images_downloader.", 1),
			post("c", "b", "cat@x", "Re: B210 lost after reboot", "I have the same problem after upgrading to UHD 4.1. In my case the device disappears after every reboot. Any help would be appreciated.", 60),
		}, []string{"a", "c"}},
		{"not the same problem, on another model, is a topic", []*Post{
			post("a", "", "ann@x", "X310 not found", "My X310 is not found on the 10GbE port, what should I check?", 0),
			post("b", "a", "bob@x", "Re: X310 not found", "Check the MTU and the address of the host interface.", 1),
			post("c", "b", "cat@x", "Re: X310 not found", "I am also unable to find my E320, though I don't think it is the same issue. What should I check?", 2),
		}, []string{"a", "c"}},
		{"a renamed subject whose text is not read is judged by the subject", []*Post{
			post("a", "", "ann@x", "B210 overflows", "I get overflows on my B210 at 20 Msps, any idea?", 0),
			post("b", "a", "bob@x", "Re: B210 overflows", "Use a USB 3 port, and check the cable.", 0),
			post("c", "b", "bob@x", "GPSDO lock on the X310 (was: B210 overflows)", "", 1),
		}, []string{"a", "c"}},
		{"a question in reply to a release is a topic of its own", []*Post{
			post("a", "", "aaron@x", "UHD 4.1.0.0 released!", "UHD 4.1.0.0 is out. It fixes an error in the DPDK transport and a crash on the E320.", 0),
			post("b", "a", "vik@x", "Re: UHD 4.1.0.0 released!", "Has the LO sharing API changed in 4.1? With 4.1 the channels drift apart.", 1),
			post("c", "b", "aaron@x", "Re: UHD 4.1.0.0 released!", "Not on purpose: please file an issue with the code you use.", 1),
		}, []string{"a", "b"}},
		{"a reply to a question with release in its subject is no topic", []*Post{
			post("a", "", "ann@x", "Misplaced files in the 3.9.7-release repository", "Are the .bit files in the 3.9.7-release repository the right ones?", 0),
			post("b", "a", "bob@x", "Re: Misplaced files in the 3.9.7-release repository", "Which ones do you mean? Do the checksums differ?", 1),
		}, []string{"a"}},
	}
	for _, tt := range tests {
		// Read as a summary reads them, with the features kept when
		// they were archived (Judge), and as a thread page reads them,
		// without: the topics are the same.
		for _, kept := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/kept=%v", tt.name, kept), func(t *testing.T) {
				topicsAre(t, tt.posts, kept, at(365), tt.starts)
			})
		}
	}
}

// topicsAre checks that posts, read up to end, are topics starting at
// starts; with kept, read as a summary reads them, with the Features
// Judge keeps as they are archived.
func topicsAre(t *testing.T, posts []*Post, kept bool, end time.Time, starts []string) {
	t.Helper()
	if kept {
		copies := make([]*Post, len(posts))
		for i, q := range posts {
			c := *q
			c.Features = Judge(q)
			copies[i] = &c
		}
		posts = copies
	}
	r := Read(posts, end)
	var got []string
	for _, tp := range r.Topics() {
		got = append(got, tp.Start.MessageID)
	}
	if !slices.Equal(got, starts) {
		t.Fatalf("topics start at %v, want %v", got, starts)
	}
	for _, q := range posts {
		if tp := r.TopicOf(q); tp == nil || !containsPost(tp.Posts, q) {
			t.Errorf("post %s is not in its topic", q.MessageID)
		}
	}
}

// TestStrayRepliesJoined: replies sent without reply headers (so the
// archive threads them apart) are read as part of the conversation their
// subject names.
func TestStrayRepliesJoined(t *testing.T) {
	day := time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC)
	post := func(id, thread, parent, from, subject, body string, d int) *Post {
		return &Post{MessageID: id, ThreadID: thread, ParentID: parent, Date: day.AddDate(0, 0, d), FromAddr: from, Key: from, Subject: subject, Body: body}
	}
	posts := []*Post{
		post("q", "q", "", "ann@x", "[cop] X310 with two TwinRX", "Only two of the four channels show up, what am I missing?", 0),
		post("a", "q", "q", "bob@x", "Re: [cop] X310 with two TwinRX", "Set the subdev spec of the source block to A:0 A:1 B:0 B:1 and all four channels appear.", 0),
		// The asker's answer from the web interface: no In-Reply-To.
		post("c", "c", "", "ann@x", "[cop] Re: X310 with two TwinRX", "That did it, all four channels stream now.", 2),
		// A one-word subject is too common to join on.
		post("h", "h", "", "cat@x", "Help", "My B210 is not found, any idea?", 3),
		post("h2", "h2", "", "dan@x", "Re: Help", "Try another USB cable.", 4),
		// The asker's word that it is fixed, the subject tagged so.
		post("o", "o", "", "eve@x", "[cop] OTT block on E320", "The OOT block shows up as Block#0 and GNU Radio cannot import it, any idea?", 5),
		post("o2", "o2", "", "eve@x", "Re: [cop] OTT block on E320 - FIXED", "I've finally found the solution: sudo ldconfig.", 6),
		post("s", "s", "", "fay@x", "[SOLVED] Re: [cop] OTT block on E320", "Same here, ldconfig did it.", 7),
	}
	r := Read(posts, day.AddDate(0, 0, 30))
	q := r.TopicOf(posts[0])
	if r.TopicOf(posts[2]) != q || len(q.Posts) != 3 {
		t.Fatalf("the stray reply is not in the question's topic: %+v", q.Posts)
	}
	if ans, conf := r.Confirmed(q); ans != posts[1] || conf != posts[2] {
		t.Errorf("Confirmed = %v, %v; want the subdev answer confirmed by the stray reply", ans, conf)
	}
	if r.TopicOf(posts[4]) == r.TopicOf(posts[3]) {
		t.Error("a reply to a one-word subject was joined")
	}
	o := r.TopicOf(posts[5])
	if r.TopicOf(posts[6]) != o || r.TopicOf(posts[7]) != o {
		t.Errorf("replies under a subject tagged FIXED or [SOLVED] are not in the topic: %+v", o.Posts)
	}
	if _, conf := r.Confirmed(o); conf != posts[6] {
		t.Errorf("Confirmed = %v, want the asker's FIXED reply", conf)
	}
}

func containsPost(ps []*Post, q *Post) bool {
	for _, p := range ps {
		if p == q {
			return true
		}
	}
	return false
}

// TestStartsThread: a thread's first post opens a conversation unless
// its subject is a reply's, whatever its reply headers name (a new
// message written by replying to an old one keeps them).
func TestStartsThread(t *testing.T) {
	for _, tt := range []struct {
		subject string
		want    bool
	}{
		{"Low power mode", true},
		{"[USRP-users] FW: x310 gpsdo get_time_now()", true},
		{"Re: Low power mode", false},
		{"[USRP-users] Re: E320 auto-boot", false},
		{"AW: Frage", false},
	} {
		if got := StartsThread(tt.subject); got != tt.want {
			t.Errorf("StartsThread(%q) = %v, want %v", tt.subject, got, tt.want)
		}
	}
}

// TestHelpRequest: help requests are recognised by what they ask, with or
// without a question mark; announcements are not.
func TestHelpRequest(t *testing.T) {
	tests := []struct {
		subject, body string
		want          bool
	}{
		{"B210 overflow", "I get the following error when I stream at 20 Msps: overflow, then the stream stops.", true},
		{"X310 rate", "Stuck at 8 Msps with DPDK on the X310, what should I tune.", true},
		{"GPSDO", "Does anyone know how long the GPSDO takes to lock?", true},
		{"N310 setup", "I am trying to set up two N310s for phase coherent reception and would like to know the best way.", true},
		{"N321 QSFP+ image", "After loading the XQ image the console shows flow control off. Are there any settings needed to connect through the QSFP+ port.", true},
		{"gr-fosphor on UHD 4", "I want to run gr-fosphor on an E310 with UHD 4. Tell me if this is possible.", true},
		{"B210 EVM", "My EVM measurements are poor, 30 to 40 percent. I'm wondering if others can comment on what EVM I can expect.", true},
		{"X310", "Can I run an X310 with a single UBX daughterboard, or do I need two.", true},
		{"UHD 4.1 and support for the X410", "We recently put out the X410. Perhaps you saw that UHD 4.1 was merged with support for it?", false},
		{"UHD 4.1 released", "UHD 4.1 is out with many fixes; get it from the releases page today.", false},
		{"Software Defined Radio Programme ready", "The programme of the conference is online, see you all in June.", false},
	}
	for _, tt := range tests {
		p := &Post{MessageID: "a", ThreadID: "a", FromAddr: "ann@x", Key: "ann@x", Subject: tt.subject, Body: tt.body}
		r := Read([]*Post{p}, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
		if got := r.HelpRequest(r.TopicOf(p)); got != tt.want {
			t.Errorf("HelpRequest(%q) = %v, want %v", tt.subject, got, tt.want)
		}
	}
}

// TestSolvedIsTheAskersLastWord: a confirmation the asker takes back by
// coming back with trouble and asking again does not solve the topic; a
// side question afterwards does not take it back.
func TestSolvedIsTheAskersLastWord(t *testing.T) {
	day := time.Date(2021, 8, 2, 0, 0, 0, 0, time.UTC)
	thread := func(last string) []*Post {
		post := func(id, parent, from, body string, h int) *Post {
			return &Post{MessageID: id, ThreadID: "q", ParentID: parent, Date: day.Add(time.Duration(h) * time.Hour), FromAddr: from, Key: from, Subject: "Re: OOT build fails", Body: body}
		}
		ps := []*Post{
			post("q", "", "ann@x", "My OOT module does not build against GNU Radio 3.9, any idea?", 0),
			post("a", "q", "bob@x", "Install liborc-0.4-dev with apt, the linker needs it for the build.", 1),
			post("c", "a", "ann@x", "That did it, the build works now.", 2),
			post("d", "c", "ann@x", last, 3),
		}
		ps[0].Subject = "OOT build fails"
		return ps
	}
	for _, tt := range []struct {
		last   string
		solved bool
	}{
		{"Now GRC fails with a ModuleNotFoundError when I load the block, any idea what I am missing?", false},
		{"It still does not load in GRC after all.", false},
		{"One more question: which version of pybind11 do you use?", true},
	} {
		ps := thread(tt.last)
		r := Read(ps, day.AddDate(0, 0, 7))
		_, conf := r.Confirmed(r.TopicOf(ps[0]))
		if (conf != nil) != tt.solved {
			t.Errorf("after %q: solved %v, want %v", tt.last, conf != nil, tt.solved)
		}
	}
}

// TestLaterConfirmationCredits: when the asker confirms one step and,
// after another answer, the fix, the fix's answer is credited; a later
// confirmation with no answer between does not move the credit.
func TestLaterConfirmationCredits(t *testing.T) {
	day := time.Date(2020, 12, 14, 0, 0, 0, 0, time.UTC)
	post := func(id, parent, from, body string, h int) *Post {
		return &Post{MessageID: id, ThreadID: "q", ParentID: parent, Date: day.Add(time.Duration(h) * time.Hour), FromAddr: from, Key: from, Subject: "Re: I/Q swapped after a reload", Body: body}
	}
	named := func(p *Post, name string) *Post { p.FromName = name; return p }
	// fixed: the question, the fix and the asker's confirmation of it,
	// then more.
	fixed := func(more ...*Post) []*Post {
		return append([]*Post{
			post("q", "", "rob@x", "Streaming through two switchboards swaps I and Q after a reload, any idea?", 0),
			post("a", "q", "wade@x", "I think I found the source of the swap: apply this patch to mgmt_portal.cpp.", 1),
			post("c", "a", "rob@x", "Thanks Wade, that fixes it for my test case.", 2),
		}, more...)
	}
	for _, tt := range []struct {
		name string
		ps   []*Post
		want string
	}{
		{"answered again", []*Post{
			post("q", "", "rob@x", "Streaming through two switchboards swaps I and Q after a reload, any idea?", 0),
			post("a", "q", "wade@x", "To reload the FPGA quickly, run overlay rm and overlay add on the device.", 1),
			post("c", "a", "rob@x", "I tried the reload and I am now able to reset the device to proper behavior.", 2),
			post("b", "c", "wade@x", "I think I found the source of the swap: apply this patch to mgmt_portal.cpp.", 3),
			post("d", "b", "rob@x", "Thanks Wade, that fixes it for my test case.", 4),
		}, "b"},
		// What a helper's attack found moving the credit wrongly: a
		// third person's "me too", a cheer, a side tip that "works too".
		{"me too, greeted by name", fixed(
			named(post("b", "c", "bob@x", "I have the same problem here. Did you change anything besides the patch?", 3), "Bob Jones"),
			post("d", "b", "rob@x", "Hi Bob, no, only the patch. That fixes it for me.", 4)), "a"},
		{"glad it works", fixed(
			post("b", "c", "wade@x", "Great, glad to hear it works. I will put the patch in the next release.", 3),
			post("d", "b", "rob@x", "Yes, it works now on all three radios.", 4)), "a"},
		{"works too", fixed(
			named(post("b", "c", "marcus@x", "Note that you can also pass the clock source in the device args instead of calling set_clock_source.", 3), "Marcus Mueller"),
			post("d", "b", "rob@x", "Thanks Marcus, that works too.", 4)), "a"},
		{"not answered again", fixed(
			post("d", "c", "rob@x", "Also works on the second N310 now, that fixes it there too.", 3)), "a"},
	} {
		tt.ps[0].Subject = "I/Q swapped after a reload"
		r := Read(tt.ps, day.AddDate(0, 0, 7))
		ans, conf := r.Confirmed(r.TopicOf(tt.ps[0]))
		if conf == nil || ans == nil || ans.MessageID != tt.want {
			t.Errorf("%s: credited %v (confirmation %v), want %s", tt.name, ans, conf, tt.want)
		}
	}
}

// TestMeToo: a reply that tells of the trouble as the poster's own, or
// mostly asks, is never credited as an answer; a comparison with "the
// same thing" is no such reply.
func TestMeToo(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want bool
	}{
		{"I have the same problem with my B210, the overflows never stop.", true},
		{"Same error here on an X310 with UHD 4.0.", true},
		{"We are seeing a similar issue since the update.", true},
		{"The drawing revision isn't the same thing as a hardware revision. I can confirm that the schematic is compatible with UHD.", false},
		{"Set the subdev spec to A:0 B:0 and both channels stream.", false},
		{"I'll have to bug some R&D people and get back to you.", true},
		{"I'll check with the FPGA team. Meanwhile, set the MTU to 9000 on both ends.", false},
	} {
		if got := metoo(Sentences(tt.in)); got != tt.want {
			t.Errorf("metoo(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// TestCreditedAnswer: the answer a confirmation credits: the reply it
// answers by someone it names, even one put as a question; else, when it
// names nobody and answers the asker's own post, the earlier answer its
// words point at rather than the last one.
func TestCreditedAnswer(t *testing.T) {
	day := time.Date(2020, 9, 3, 0, 0, 0, 0, time.UTC)
	post := func(id, parent, from, name, body string, h int) *Post {
		return &Post{MessageID: id, ThreadID: "q", ParentID: parent, Date: day.Add(time.Duration(h) * time.Hour), FromAddr: from, FromName: name, Key: from, Subject: "Re: N310 link drops", Body: body}
	}
	for _, tt := range []struct {
		name  string
		posts []*Post
		want  string
	}{
		{"a named question", []*Post{
			post("q", "", "ann@x", "Ann", "benchmark_rate fails on the N310 with sequence errors, any idea?", 0),
			post("a", "q", "rob@x", "Rob Kossler", "Which UHD version and which FPGA image do you run? Post the whole output please.", 1),
			post("b", "q", "marcus@x", "Marcus Leech", "Are your MTUs the same on both ends of the link?", 2),
			post("c", "b", "ann@x", "Ann", "Thanks Marcus! The MTU had gone back to 1500. Now things are working again.", 3),
		}, "b"},
		{"the answer its words point at", []*Post{
			post("q", "", "ann@x", "Ann", "The link of my N310 goes down every 45 seconds, any idea why?", 0),
			post("a", "q", "mike@x", "Michael Dickens", "NetworkManager is probably resetting the interface: stop the network manager service and set a static address.", 1),
			post("b", "q", "ron@x", "Ron Economos", "Check the cable and the SFP adapter as well, a bad one drops the link too.", 2),
			post("c", "q", "ann@x", "Ann", "Here is the dmesg output of the interface going down.", 3),
			post("d", "c", "ann@x", "Ann", "Hi all, I stopped the network manager service and everything worked fine, with a static address.", 4),
		}, "a"},
		{"words any confirmation has point nowhere", []*Post{
			post("q", "", "emanuele@x", "Emanuele Tolomei", "Tuning the TwinRX with timed commands fails with an error, any idea how to solve the issue?", 0),
			post("a", "q", "rob@x", "Rob Kossler", "Hi Emanuele, to solve the issue, check whether the command queue fills up: that would explain the issues you see.", 1),
			post("c", "a", "emanuele@x", "Emanuele Tolomei", "Here is the log of the error once more.", 2),
			post("b", "c", "rob@x", "Rob Kossler", "Emanuele, use set_time_unknown_pps(0) instead of set_time_now() on both radios.", 3),
			post("d", "", "emanuele@x", "Emanuele Tolomei", "This solved our issues. Thank you very much.\n\nRegards\n\nEmanuele Tolomei", 4),
		}, "b"},
		{"the asker alone, the others only asked or said they would look", []*Post{
			post("q", "", "pavlos@x", "Pavlos", "Updating the N310 file system with mender fails with an error, any idea?", 0),
			post("a", "q", "marcus@x", "Marcus Leech", "How did you copy the file? Are you running the command on the USRP?", 1),
			post("b", "a", "pavlos@x", "Pavlos", "With scp, and yes, on the USRP; the error still persists.", 2),
			post("c", "b", "marcus@x", "Marcus Leech", "I'll have to bug some R&D people and get back to you.", 3),
			post("d", "c", "pavlos@x", "Pavlos", "Hello again, I updated the host's UHD to 3.15 and downloaded the images again. It solved the problem.", 4),
		}, "d"},
		{"the asker's own fix, told as one", []*Post{
			post("q", "", "balint@x", "Balint", "The N310 reports late commands in GNU Radio with four channels, any idea?", 0),
			post("a", "q", "rob@x", "Rob Kossler", "You may want to run benchmark_rate with 4 channels at 1 MHz to rule out the flowgraph.", 1),
			post("d", "a", "balint@x", "Balint", "In case anyone else has a similar problem: I could finally solve the issue by setting the start time in a python snippet before init, and it works now.", 2),
		}, "d"},
		{"the asker's new logic", []*Post{
			post("q", "", "rob@x", "Rob Kossler", "My RFNoC block times out during flush when the streams have unequal lengths, any idea?", 0),
			post("a", "q", "wade@x", "Wade Fife", "Finish the last packet cleanly on each output port: TLAST needs to be asserted.", 1),
			post("d", "a", "rob@x", "Rob Kossler", "My new logic appears to have solved the issue of cleaning up the unequal length streams, so the block no longer gets into this bad state.", 2),
		}, "d"},
	} {
		ps := tt.posts
		ps[0].Subject = "N310 link drops"
		r := Read(ps, day.AddDate(0, 0, 7))
		ans, conf := r.Confirmed(r.TopicOf(ps[0]))
		if conf == nil || ans == nil || ans.MessageID != tt.want {
			t.Errorf("%s: credited %v (confirmation %v), want %s", tt.name, ans, conf, tt.want)
		}
	}
}

// TestConfirmedIn: a period knows a topic's confirmation when it is dated
// in it, or when the asker confirms again in it; not when the asker only
// thanks in it, nor when a later post took the confirmation back.
func TestConfirmedIn(t *testing.T) {
	day := time.Date(2021, 6, 3, 0, 0, 0, 0, time.UTC) // a Thursday
	week := func(d time.Time) bool { return !d.Before(day.AddDate(0, 0, 4)) && d.Before(day.AddDate(0, 0, 11)) }
	post := func(id, parent, from, body string, d int) *Post {
		return &Post{MessageID: id, ThreadID: "q", ParentID: parent, Date: day.AddDate(0, 0, d), FromAddr: from, Key: from, Subject: "Re: Center frequency drift", Body: body}
	}
	for _, tt := range []struct {
		name  string
		later []*Post
		want  string // the confirmation the week knows, "" for none
	}{
		{"settled before the week", nil, ""},
		{"confirmed again in the week", []*Post{
			post("d", "c", "viktor@x", "For the record: with the second B210 it works fine now, the drift is gone.", 5),
		}, "d"},
		{"only thanks in the week", []*Post{
			post("d", "c", "viktor@x", "Thanks again, Marcus!", 5),
		}, ""},
		{"only a closing thanks in the week", []*Post{
			post("d", "c", "viktor@x", "OK, thanks for the information.", 5),
		}, ""},
		{"only more material in the week", []*Post{
			post("d", "c", "viktor@x", "Here is the spectrogram of the second B210 and the log of the run.", 5),
		}, ""},
		{"confirmed again by someone else", []*Post{
			post("d", "c", "cat@x", "That did it for me too, the drift is gone with 0.9 GHz.", 5),
		}, ""},
		{"taken back in the week", []*Post{
			post("d", "c", "viktor@x", "It still drifts after all, now at 2.4 GHz too. Any idea?", 5),
		}, ""},
	} {
		ps := []*Post{
			post("q", "", "viktor@x", "The center frequency of my B-series drifts even with an Octoclock 10 MHz reference. Is this expected?", 0),
			post("a", "q", "marcus@x", "Try 0.9 GHz: the B205's PLL is noisier up there.", 0),
			post("c", "a", "viktor@x", "You're right Marcus, 0.9 GHz seems to be better indeed.", 1),
		}
		ps[0].Subject = "Center frequency drift"
		ps = append(ps, tt.later...)
		r := Read(ps, day.AddDate(0, 0, 30))
		ans, conf := r.ConfirmedIn(r.TopicOf(ps[0]), week)
		got := ""
		if conf != nil {
			got = conf.MessageID
			if ans == nil || ans.MessageID != "a" {
				t.Errorf("%s: credited %v, want a", tt.name, ans)
			}
		}
		if got != tt.want {
			t.Errorf("%s: the week knows confirmation %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestTopicsParentShortcut: a reply to the post before it in its thread
// is put in that post's topic without looking its parent up by
// Message-ID (threadTopics); the topics are those of the lookup, on
// threads where ids repeat (the archive allows two posts one id), in
// order and out of it.
func TestTopicsParentShortcut(t *testing.T) {
	day := time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC)
	subjects := []string{"B210 overflows", "Re: B210 overflows", "GPSDO lock on the X310", "Re: GPSDO lock on the X310", "USRP Calibration"}
	bodies := []string{
		"I get overflows on my B210 at 20 Msps, any idea?",
		"Use a USB 3 port, and check the cable.",
		"I have a similar problem with my E320, it fails to lock. How do I fix it?",
		"Thanks, that fixed it.",
		"",
	}
	show := func(r *Reading) string {
		var b strings.Builder
		for _, tp := range r.Topics() {
			fmt.Fprintf(&b, "%s:", tp.Start.MessageID)
			for _, q := range tp.Posts {
				fmt.Fprintf(&b, " %d", q.ID)
			}
			b.WriteString("; ")
		}
		return b.String()
	}
	// Two posts under one id ("dup") in two topics, given out of order:
	// byID holds the first topic's, and the reply to "dup" after the
	// second's belongs to the first topic, whose post byID names.
	post := func(id int64, mid, parent, from, subject, body string) *Post {
		return &Post{ID: id, MessageID: mid, ThreadID: "t", ParentID: parent, Date: day.Add(time.Duration(id) * time.Hour), FromAddr: from, Key: from, Subject: subject, Body: body}
	}
	a := post(1, "a", "", "ann@x", "B210 overflows", "I get overflows on my B210 at 20 Msps, any idea?")
	b := post(2, "dup", "a", "bob@x", "Re: B210 overflows", "Use a USB 3 port, and check the cable.")
	c := post(3, "c", "dup", "cat@x", "GPSDO lock on the X310", "My X310's GPSDO never locks. How do I fix it?")
	d := post(4, "dup", "c", "dan@x", "Re: GPSDO lock on the X310", "Put the antenna outside, it needs the sky.")
	e := post(5, "e", "dup", "eve@x", "Re: B210 overflows", "And lower the sample rate.")
	if got, want := show(Read([]*Post{a, c, d, b, e}, day.AddDate(1, 0, 0))), "a: 1 2 5; c: 3 4; "; got != want {
		t.Errorf("out of order, one id twice: topics %s, want %s", got, want)
	}
	rng := rand.New(rand.NewPCG(16, 18))
	shortcuts := 0
	for round := range 3000 {
		n := 2 + rng.IntN(12)
		var posts []*Post
		for i := range n {
			// Ids drawn from fewer than the posts, so that some repeat;
			// parents name an earlier id, or one not read.
			id := fmt.Sprintf("m%d", rng.IntN(n/2+1))
			parent := ""
			if i > 0 {
				parent = posts[rng.IntN(i)].MessageID
				if rng.IntN(6) == 0 {
					parent = "elsewhere"
				}
			}
			posts = append(posts, &Post{ID: int64(i + 1), MessageID: id, ThreadID: fmt.Sprintf("t%d", rng.IntN(2)), ParentID: parent,
				Date: day.Add(time.Duration(rng.IntN(n*2)) * time.Hour), FromAddr: fmt.Sprintf("p%d@x", rng.IntN(3)), Key: fmt.Sprintf("p%d@x", rng.IntN(3)),
				Subject: subjects[rng.IntN(len(subjects))], Body: bodies[rng.IntN(len(bodies))]})
		}
		if round%2 == 0 {
			slices.SortStableFunc(posts, ComparePosts)
		}
		fast, slow := Read(posts, day.AddDate(1, 0, 0)), Read(posts, day.AddDate(1, 0, 0))
		slow.inOrder = false // every parent looked up
		if fast.inOrder {
			shortcuts++
		}
		if got, want := show(fast), show(slow); got != want {
			t.Fatalf("round %d (in order %v): topics %s, want %s", round, fast.inOrder, got, want)
		}
	}
	if shortcuts < 1000 {
		t.Errorf("%d rounds read in order, want 1,000 or more", shortcuts)
	}
}
