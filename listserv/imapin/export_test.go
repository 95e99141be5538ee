package imapin

// InterruptAt makes the ingester of c call f at each point a crash may
// fall between two steps ("before act", before any after-action; "before
// copy", "after copy" of after=move without MOVE); an error f returns
// stops the step there, as a crash or a lost connection would.
func InterruptAt(c *Config, f func(point string) error) { c.interrupt = f }
