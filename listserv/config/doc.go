// Package config is Praxis's process configuration: one documented struct,
// with defaults in code, loaded from a TOML file and then from flags (the
// file's keys are the flags' names), checked by Validate, which reports
// every problem at once.
package config
