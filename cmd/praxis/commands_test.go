package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"praxis/listserv/store"
	"regexp"
	"strings"
	"testing"

	"praxis/listserv"
	"praxis/listserv/config"
	"praxis/listserv/moderation"
)

var update = flag.Bool("update", false, "rewrite README's command table from the command table")

const (
	readme       = "../../README.md"
	readmeStart  = "<!-- commands: "
	readmeFinish = "<!-- end commands -->"
)

// TestREADMECommands: README's command table is the one the command table
// makes; -update rewrites it between its marker comments.
func TestREADMECommands(t *testing.T) {
	b, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	start := strings.Index(text, readmeStart)
	end := strings.Index(text, readmeFinish)
	if start < 0 || end < start {
		t.Fatalf("README.md has no %q … %q section", readmeStart, readmeFinish)
	}
	start += strings.Index(text[start:], "\n") + 1
	want := readmeTable()
	if got := text[start:end]; got != want {
		if *update {
			if err := os.WriteFile(readme, []byte(text[:start]+want+text[end:]), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Errorf("README's command table differs from cmd/praxis/commands.go; run go test ./cmd/praxis -run TestREADMECommands -update\ngot:\n%s\nwant:\n%s", got, want)
	}
}

// TestREADMETestCommand: the test command README opens with is the one
// .ci/run runs, so what a newcomer runs is what CI checks.
func TestREADMETestCommand(t *testing.T) {
	b, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	var cmd string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "go test ") {
			cmd, _, _ = strings.Cut(line, "#")
			cmd = strings.TrimSpace(cmd)
			break
		}
	}
	if cmd == "" {
		t.Fatal("README.md opens with no go test command")
	}
	run, err := os.ReadFile("../../.ci/run")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(run), "\n") {
		if strings.TrimSpace(line) == cmd {
			return
		}
	}
	t.Errorf(".ci/run does not run README's test command %q", cmd)
}

// TestCommandFlags: every flag a command's synopsis or summary names is a
// flag the command takes, so the table cannot promise what is gone.
func TestCommandFlags(t *testing.T) {
	flagName := regexp.MustCompile(`--([a-z][a-z0-9-]*)`)
	for _, cmd := range commands {
		if cmd.raw != nil {
			continue // bench parses its own
		}
		c := &cli{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
		fs := c.flags(cmd.name)
		cmd.flags(c, fs)
		for _, m := range flagName.FindAllStringSubmatch(cmd.opts+" "+cmd.summary, -1) {
			if m[1] != "help" && fs.Lookup(m[1]) == nil {
				t.Errorf("praxis %s names --%s, which it does not take", cmd.name, m[1])
			}
		}
	}
}

// TestLookup: the words of a command line find their command, and a
// group's name alone or with an unknown verb says what the group has.
func TestLookup(t *testing.T) {
	tests := []struct {
		args      []string
		name      string
		rest      int
		usageText string
	}{
		{[]string{"serve", "--smtp", ":0"}, "serve", 2, ""},
		{[]string{"list", "create", "a@b.c", "--name", "X"}, "list create", 3, ""},
		{[]string{"digest", "preview", "a@b.c"}, "digest preview", 1, ""},
		{[]string{"thread", "a@b.c", "id"}, "thread", 2, ""},
		{[]string{"list"}, "", 0, "usage: praxis list create|ls|show|set|rm|log …"},
		{[]string{"held", "frob"}, "", 0, `unknown held command "frob": use ls, approve, reject or discard`},
		{[]string{"domain", "dkim-show", "example.org"}, "domain dkim-show", 1, ""},
		{[]string{"domain", "dkim-rm"}, "", 0, `unknown domain command "dkim-rm": use dkim-keygen or dkim-show`},
		{[]string{"frobnicate"}, "", 0, ""},
	}
	for _, tt := range tests {
		cmd, rest, group := lookup(tt.args)
		got := ""
		if cmd != nil {
			got = cmd.name
		}
		if got != tt.name || len(rest) != tt.rest {
			t.Errorf("lookup(%q) = %q with %d left, want %q with %d", tt.args, got, len(rest), tt.name, tt.rest)
		}
		var usage string
		if group != "" {
			usage = groupUsage(group, tt.args).Error()
		}
		if usage != tt.usageText {
			t.Errorf("lookup(%q): usage %q, want %q", tt.args, usage, tt.usageText)
		}
	}
}

// TestHelp: `praxis help` names every command, and each command's --help
// starts with its synopsis from the table.
func TestHelp(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"help"}, &out, &errOut); code != 0 {
		t.Fatalf("praxis help: exit %d\n%s", code, errOut.String())
	}
	help := out.String()
	for _, cmd := range commands {
		if !strings.Contains(help, "  "+cmd.name+" ") {
			t.Errorf("praxis help does not list %q", cmd.name)
		}
		if cmd.raw != nil {
			continue
		}
		out.Reset()
		errOut.Reset()
		if code := run(append(strings.Fields(cmd.name), "--help"), &out, &errOut); code != 0 {
			t.Errorf("praxis %s --help: exit %d", cmd.name, code)
		}
		if want := "Usage: praxis " + cmd.synopsis() + "\n"; !strings.HasPrefix(errOut.String(), want) {
			t.Errorf("praxis %s --help printed %q, want it to start with %q", cmd.name, errOut.String(), want)
		}
	}
}

// TestAdvice: the CLI adds what to do next after the core's message.
func TestAdvice(t *testing.T) {
	noList := fmt.Errorf("no list %q: %w", "x@example.org", listserv.ErrNoList)
	tests := []struct {
		err  error
		want string
	}{
		{noList, `no list "x@example.org" (see ` + "`praxis list ls`)"},
		{fmt.Errorf("import a.mbox: %w", noList), `import a.mbox: no list "x@example.org" (see ` + "`praxis list ls`)"},
		{advise(fmt.Errorf("no held post 4 on a@b.c: %w", moderation.ErrNoHeldPost), "see `praxis held ls %s`", "a@b.c"), "no held post 4 on a@b.c (see `praxis held ls a@b.c`)"},
		{fmt.Errorf("x is not a member of a@b.c: %w", listserv.ErrNotFound), "x is not a member of a@b.c"},
		{errors.New("disk full"), "disk full"},
	}
	for _, tt := range tests {
		if got := store.ErrorText(tt.err) + advice(tt.err); got != tt.want {
			t.Errorf("%v: printed %q, want %q", tt.err, got, tt.want)
		}
	}
	if !errors.Is(listserv.ErrNoList, listserv.ErrNotFound) || !errors.Is(moderation.ErrNoHeldPost, listserv.ErrNotFound) {
		t.Error("ErrNoList and ErrNoHeldPost must stay ErrNotFound")
	}
}

// TestREADMEServeFlags: README's table of serve's flags names every flag
// serve takes, and no flag serve does not (issue 14: the --imap* flags
// were nowhere).
func TestREADMEServeFlags(t *testing.T) {
	b, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	start := strings.Index(text, "<!-- serve flags:")
	if start < 0 {
		t.Fatal("README.md has no serve flags table")
	}
	table := text[start:]
	table = table[:strings.Index(table, "\n\n")]
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfg := config.Default()
	serveFlags(fs, &cfg)
	fs.VisitAll(func(f *flag.Flag) {
		if !strings.Contains(table, "`--"+f.Name+" ") {
			t.Errorf("README's serve flags lack --%s", f.Name)
		}
	})
	for _, m := range regexp.MustCompile("`--([a-z-]+) ").FindAllStringSubmatch(table, -1) {
		if fs.Lookup(m[1]) == nil {
			t.Errorf("README's serve flags name --%s, which serve does not take", m[1])
		}
	}
}

// TestREADMERestoreStep: the statement README gives to run after
// pg_restore is the one the store is tested with.
func TestREADMERestoreStep(t *testing.T) {
	b, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `-c "`+store.RenameIndexLog+`"`) {
		t.Errorf("README.md does not give store.RenameIndexLog after pg_restore:\n%s", store.RenameIndexLog)
	}
}
