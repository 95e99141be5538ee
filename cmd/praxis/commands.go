package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
)

// command is one row of the command table. `praxis help`, each command's
// usage and README's command table are all made from these rows, so they
// cannot say different things (TestREADMECommands holds README to it).
type command struct {
	name    string // the words that select it: "list create"
	args    string // its positional arguments: "ADDR"
	opts    string // its flags as usage shows them: "[--json]"
	summary string // what it does, in one line
	// min and max bound the positional arguments (max -1: no bound).
	min, max int
	// flags binds the command's own flags on fs (the global ones are
	// there already) and returns what runs with the positional arguments.
	flags func(c *cli, fs *flag.FlagSet) runFunc
	// raw, instead of flags, is given the arguments as they come: for a
	// command that parses its own.
	raw func(c *cli, ctx context.Context, args []string) error
}

// runFunc runs a command once its flags are parsed.
type runFunc func(ctx context.Context, pos []string) error

// synopsis is the command line a usage message shows, after "praxis ".
func (cmd *command) synopsis() string {
	return strings.Join(nonEmpty(cmd.name, cmd.args, cmd.opts), " ")
}

func nonEmpty(words ...string) []string {
	var out []string
	for _, w := range words {
		if w != "" {
			out = append(out, w)
		}
	}
	return out
}

// commands is the table. Its order is the order of help and README.
var commands = []*command{
	{name: "serve", opts: "[flags]", max: 0, flags: (*cli).serve,
		summary: "runs the SMTP (and LMTP) receiver, delivery workers, digest scheduler and web server (`praxis serve --help` lists its flags)"},

	{name: "list create", args: "ADDR", opts: `--name TITLE [--description TEXT] [--subscribe open|confirm|moderate|confirm_then_moderate] [--post members|open|moderated|announce] [--archive public|private|none] [--prefix "[tag] "] [--owner ADDR]`,
		min: 1, max: 1, flags: (*cli).listCreate, summary: "creates a list (it takes every setting of `list set`); `--owner` (repeatable) gives it its owners, and a list without one is warned about"},
	{name: "list ls", opts: "[--json]", max: 0, flags: (*cli).listLs, summary: "the lists"},
	{name: "list show", args: "ADDR", opts: "[--json]", min: 1, max: 1, flags: (*cli).listShow, summary: "a list's settings and how many members it has"},
	{name: "list set", args: "ADDR", opts: "--FLAG VALUE", min: 1, max: 1, flags: (*cli).listSet,
		summary: "changes a list's settings (`praxis list set --help` lists them: policies, limits, digest hour, time zone, …)"},
	{name: "list rm", args: "ADDR", min: 1, max: 1, flags: (*cli).listRm, summary: "removes a list"},
	{name: "list log", args: "LIST", opts: "[--json] [--limit N]", min: 1, max: 1, flags: (*cli).listLog,
		summary: "the audit log of changes to the list's settings, roster and bans: who, when, what (newest first; the web's, the command line's and the mail robot's)"},

	{name: "member add", args: "LIST ADDR", opts: "[--name NAME] [--role member|moderator|owner] [--delivery each|digest|summary|nomail] [--expertise TERMS]",
		min: 2, max: 2, flags: (*cli).memberAdd, summary: "adds a member, no confirmation (an owner's act)"},
	{name: "member rm", args: "LIST ADDR", min: 2, max: 2, flags: (*cli).memberRm, summary: "removes a member"},
	{name: "member ls", args: "LIST", opts: "[--json]", min: 1, max: 1, flags: (*cli).memberLs, summary: "the list's members"},
	{name: "member show", args: "LIST ADDR", opts: "[--json]", min: 2, max: 2, flags: (*cli).memberShow,
		summary: "one member: role, delivery, status, bounce score, expertise, listing, suggestions, delivery failures"},
	{name: "member set", args: "LIST ADDR", opts: "--FLAG VALUE", min: 2, max: 2, flags: (*cli).memberSet,
		summary: "changes a member's `--name`, `--role`, `--delivery`, `--expertise \"terms, …\"` (what they can help with), `--status`, `--moderated`, `--listing on|off` or `--suggestions on|off`"},
	{name: "member invite", args: "LIST ADDR", opts: "[--name NAME]", min: 2, max: 2, flags: (*cli).memberInvite,
		summary: "invites someone; they accept by reply or link"},
	{name: "member app-password", args: "LIST ADDR", opts: "[--revoke]", min: 2, max: 2, flags: (*cli).memberAppPassword,
		summary: "prints a new IMAP app password for a member (shown once, stored hashed); `--revoke` removes them all"},

	{name: "held ls", args: "LIST", min: 1, max: 1, flags: (*cli).heldLs, summary: "the moderation queue"},
	{name: "held approve", args: "LIST ID", min: 2, max: 2, flags: heldDecide("approve"), summary: "sends a held post to the list"},
	{name: "held reject", args: "LIST ID", opts: "[--reason TEXT]", min: 2, max: 2, flags: heldDecide("reject"), summary: "refuses a held post and tells its author why"},
	{name: "held discard", args: "LIST ID", min: 2, max: 2, flags: heldDecide("discard"), summary: "drops a held post without a word"},

	{name: "ban add", args: "LIST ADDR|^REGEX", min: 2, max: 2, flags: banChange("add"), summary: "bars an address (or every address a regular expression matches) from posting and joining"},
	{name: "ban rm", args: "LIST ADDR|^REGEX", min: 2, max: 2, flags: banChange("rm"), summary: "lifts a ban"},
	{name: "ban ls", args: "LIST", min: 1, max: 1, flags: (*cli).banLs, summary: "the list's bans"},

	{name: "domain dkim-keygen", args: "DOMAIN", opts: "[--selector NAME] [--rotate]", min: 1, max: 1, flags: (*cli).dkimKeygen,
		summary: "creates the domain's DKIM key and prints the DNS TXT record to publish"},
	{name: "domain dkim-show", args: "DOMAIN", min: 1, max: 1, flags: (*cli).dkimShow,
		summary: "prints the TXT record (name and value) of the key the domain's mail is signed with"},

	{name: "import mbox", args: "LIST FILE...", opts: "[--force]", min: 2, max: -1, flags: (*cli).importMbox,
		summary: "reads an existing archive (mbox, mboxrd, .gz) into the list's archive, with a progress bar on a terminal; idempotent by Message-ID; a file that is no mbox (no `From ` line at its start, binary content) is refused unless `--force`"},
	{name: "import members", args: "LIST FILE.csv", min: 2, max: 2, flags: (*cli).importMembers,
		summary: "bulk-adds members, `email,name,role,delivery` a line (only email needed; a header line is skipped); bad lines are named and skipped, and at 20 bad lines nothing is added"},
	{name: "archive rm", args: "LIST MESSAGE-ID", opts: "[--reason TEXT]", min: 2, max: 2, flags: (*cli).archiveRm,
		summary: "removes a post, with any other copy of it on the list (the same bytes, or the same after other mail tools rewrote an export of it), from the archive (store, every node's index, feeds, exports, IMAP) and keeps a tombstone, by its Message-ID and by its bytes, so a re-import or re-post does not bring it back (nor an export of a post that came without a Message-ID, which an import names anew, also after a mail reader such as mutt rewrote the mbox); its permalink answers 410"},
	{name: "archive purge", args: "LIST", opts: "--from ADDR [--reason TEXT]", min: 1, max: 1, flags: (*cli).archivePurge,
		summary: "removes every post of one sender from the archive, as `archive rm` does each"},
	{name: "export mbox", args: "LIST", opts: "[--since DATE]", min: 1, max: 1, flags: (*cli).exportMbox, summary: "writes the list's archive as mboxrd to stdout, each post as archived (one that came without a Message-ID gets the one the archive named it by, first in its header, so an import of the file, even after other mail tools rewrote it, knows the post; an import of the file as written stores nothing twice)"},

	{name: "thread", args: "LIST MESSAGE-ID", opts: "[--json]", min: 2, max: 2, flags: (*cli).thread, summary: "prints the thread that holds a message, as a tree"},
	{name: "search", args: "LIST QUERY", opts: "[--json] [--limit N] [--sort date|relevance]", min: 2, max: 2, flags: (*cli).search,
		summary: "searches the archive (public-inbox query language); works beside a running serve"},
	{name: "reindex", args: "[LIST]", max: 1, flags: (*cli).reindex, summary: "rebuilds the full-text index from the stored mail"},

	{name: "digest send", opts: "[--list LIST] [--force]", max: 0, flags: (*cli).digestSend,
		summary: "sends the digests and summaries that are due (serve does this by itself every minute); `--force` sends the current ones"},
	{name: "digest preview", args: "LIST", opts: "[--kind digest|summary] [--period day|week] [--end DATE] [--member ADDR] [--format text|html|eml]",
		min: 1, max: 1, flags: (*cli).digestPreview, summary: "renders one without sending it; `--end 2021-04-19` previews the week up to that day"},

	{name: "migrate", opts: "--from DATA_DIR --db URL", max: 0, flags: (*cli).migrate,
		summary: "copies a SQLite installation into PostgreSQL, idempotently, with a progress bar, and checks the counts"},

	{name: "status", opts: "[--json]", max: 0, flags: (*cli).status,
		summary: "nodes alive, queue depth and oldest entry, this node's index lag, last run of each scheduled job"},

	{name: "backup", args: "FILE", min: 1, max: 1, flags: (*cli).backup,
		summary: "writes a consistent copy of the data dir (lists, members, the spool and queue, the archive, digest runs, DKIM keys, secrets) into FILE while serve runs and takes mail; on PostgreSQL it says how pg_dump does it"},
	{name: "restore", args: "FILE", opts: "--data DIR", min: 1, max: 1, flags: (*cli).restore,
		summary: "brings a backup back into an empty (or new) data dir: checks its checksums, writes the database and rebuilds the index"},

	{name: "bench", opts: "[--json] [--corpus FILE] [--replay N]", raw: (*cli).bench, summary: "the performance benchmark"},
}

// helpHead and helpTail frame the command list of `praxis help`.
const (
	helpHead = `praxis — mailing lists for communities of practice

Usage: praxis [--data DIR] [--db URL] [--config FILE] COMMAND [ARGS]

Commands:
`
	helpTail = `  help                          this text

Global flags (also accepted after the command):
  --data DIR      data directory (default ./praxis-data, env PRAXIS_DATA)
  --db URL        postgres://USER:PASSWORD@HOST/DB: lists, queue and archive in
                  PostgreSQL, shared by several serve nodes (env PRAXIS_DB);
                  default SQLite in the data dir
  --config FILE   TOML configuration (env PRAXIS_CONFIG)

Run "praxis COMMAND --help" for a command's flags.
`
)

// printHelp writes `praxis help`: each command with its arguments and
// what it does, wrapped to fit 80 columns; the flags are in each
// command's --help.
func printHelp(w io.Writer) {
	const width, columns = 30, 80
	fmt.Fprint(w, helpHead)
	for _, cmd := range commands {
		head := strings.Join(nonEmpty(cmd.name, cmd.args), " ")
		lines := wrap(strings.ReplaceAll(cmd.summary, "`", ""), columns-width-2)
		if len(head) >= width {
			fmt.Fprintf(w, "  %s\n", head)
			head = ""
		}
		for _, line := range lines {
			fmt.Fprintf(w, "  %-*s%s\n", width, head, line)
			head = ""
		}
	}
	fmt.Fprint(w, helpTail)
}

// wrap breaks text into lines of at most n characters, between words.
func wrap(text string, n int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		if line != "" && len([]rune(line))+1+len([]rune(word)) > n {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	return append(lines, line)
}

// readmeTable is README's command table, in Markdown.
func readmeTable() string {
	var b strings.Builder
	b.WriteString("| command | does |\n| --- | --- |\n")
	for _, cmd := range commands {
		fmt.Fprintf(&b, "| `praxis %s` | %s |\n", strings.ReplaceAll(cmd.synopsis(), "|", `\|`), strings.ReplaceAll(cmd.summary, "|", `\|`))
	}
	return b.String()
}

// lookup finds the command that args select: the longest name that the
// first words of args spell. group is the first word when it names a
// group of commands (list, member, …) but no command of it.
func lookup(args []string) (cmd *command, rest []string, group string) {
	for _, c := range commands {
		words := strings.Fields(c.name)
		if len(args) >= len(words) && strings.Join(args[:len(words)], " ") == c.name {
			return c, args[len(words):], ""
		}
		if len(words) > 1 && len(args) > 0 && args[0] == words[0] {
			group = words[0]
		}
	}
	return nil, nil, group
}

// groupUsage says what a group's commands are when none of them was named.
func groupUsage(group string, args []string) error {
	var verbs []string
	for _, c := range commands {
		if words := strings.Fields(c.name); len(words) > 1 && words[0] == group {
			verbs = append(verbs, words[1])
		}
	}
	if len(args) < 2 {
		return usagef("usage: praxis %s %s …", group, strings.Join(verbs, "|"))
	}
	use := verbs[0]
	if n := len(verbs); n > 1 {
		use = strings.Join(verbs[:n-1], ", ") + " or " + verbs[n-1]
	}
	return usagef("unknown %s command %q: use %s", group, args[1], use)
}

// runCommand parses the command's flags and runs it.
func (c *cli) runCommand(ctx context.Context, cmd *command, args []string) error {
	if cmd.raw != nil {
		return cmd.raw(c, ctx, args)
	}
	fs := c.flags(cmd.name)
	run := cmd.flags(c, fs)
	pos, err := parse(fs, args, cmd.min, cmd.max, cmd.synopsis())
	if err != nil {
		return err
	}
	return run(ctx, pos)
}
