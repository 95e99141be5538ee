package related

// SetMaxPosts lowers how many of a list's last posts f's word weights
// count (weightPosts), so that a test archive can pass it.
func SetMaxPosts(f *Finder, n int) { f.maxPosts = n }
