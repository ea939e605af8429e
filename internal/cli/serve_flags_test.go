package cli

import (
	"io"
	"testing"
)

// TestServeTrustedProxiesFlag: the serve command builds (a flag defined
// twice panics here) and offers --trusted-proxies, defaulting to the
// environment.
func TestServeTrustedProxiesFlag(t *testing.T) {
	t.Setenv("GATEHOUSE_TRUSTED_PROXIES", "10.0.0.0/8")
	f := newServe(io.Discard, io.Discard).Flags().Lookup("trusted-proxies")
	if f == nil {
		t.Fatal("no --trusted-proxies flag")
	}
	if f.DefValue != "10.0.0.0/8" {
		t.Fatalf("default %q, want the environment's value", f.DefValue)
	}
}

// TestServeOutboundAllowFlag: --outbound-allow defaults to the environment.
func TestServeOutboundAllowFlag(t *testing.T) {
	t.Setenv("GATEHOUSE_OUTBOUND_ALLOW", "10.0.0.0/8,192.0.2.1")
	f := newServe(io.Discard, io.Discard).Flags().Lookup("outbound-allow")
	if f == nil || f.DefValue != "10.0.0.0/8,192.0.2.1" {
		t.Fatalf("flag %+v, want one defaulting to the environment's value", f)
	}
}
