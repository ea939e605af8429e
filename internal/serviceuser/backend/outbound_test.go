package backend_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/outbound"
	"github.com/gatehouse-dev/gatehouse/internal/serviceuser/backend"
)

// chattyPeer listens on loopback and answers every connection with an
// HTTP response holding a secret, as an internal web service or a cloud
// metadata endpoint would.
func chattyPeer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(2 * time.Second))
				c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nAccessKeyId=SECRET-METADATA-CREDENTIAL\n"))
				buf := make([]byte, 512)
				c.Read(buf)
			}()
		}
	}()
	return ln.Addr().String()
}

// TestConnectFailuresNeverEchoThePeer: pointing a connection URI at a
// service that is not the engine yields a short fixed description, never
// what the service answered; and a policy that excludes the address
// refuses before connecting.
func TestConnectFailuresNeverEchoThePeer(t *testing.T) {
	addr := chattyPeer(t)
	onlyTen, err := outbound.Parse("10.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	for _, uri := range []string{
		"postgres://u:p@" + addr + "/db?sslmode=disable",
		"mysql://u:p@" + addr + "/db",
		"redis://u:p@" + addr + "/0",
	} {
		t.Run(strings.SplitN(uri, ":", 2)[0], func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			_, err := backend.Open(ctx, uri)
			if !errors.Is(err, backend.ErrConnect) {
				t.Fatalf("err = %v, want ErrConnect", err)
			}
			if msg := err.Error(); strings.Contains(msg, "SECRET") || strings.Contains(msg, "HTTP") || len(msg) > 120 {
				t.Fatalf("error echoes the peer: %q", msg)
			}
			_, err = backend.OpenVia(ctx, uri, onlyTen)
			if !errors.Is(err, backend.ErrConnect) || !strings.Contains(err.Error(), "outside the networks") {
				t.Fatalf("outside the allow-list: %v", err)
			}
		})
	}
}
