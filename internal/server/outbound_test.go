package server_test

import (
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/server"
	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
	"github.com/gatehouse-dev/gatehouse/internal/serviceuser/backend/backendtest"
)

// internalWebService listens on loopback and answers every connection
// with an HTTP response holding a secret, like an internal web service or
// a cloud metadata endpoint.
func internalWebService(t *testing.T) string {
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
				_ = c.SetDeadline(time.Now().Add(2 * time.Second))
				_, _ = c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nAccessKeyId=SECRET-METADATA-CREDENTIAL\n"))
				buf := make([]byte, 512)
				_, _ = c.Read(buf)
			}()
		}
	}()
	return ln.Addr().String()
}

// TestOutboundConnectionsAreLimited is issue 13's SSRF item: service
// connection URIs and Kafka syncs may reach only the allowed networks
// (by default, nothing link-local such as the metadata address), checked
// when connecting, and a peer's answer is never echoed.
func TestOutboundConnectionsAreLimited(t *testing.T) {
	peer := internalWebService(t)
	_, peerPort, _ := net.SplitHostPort(peer)
	setup := func(t *testing.T, configure ...func(*server.Config)) (*servertest.Instance, string) {
		srv := servertest.Start(t, servertest.SQLite(t), configure...)
		tok := login(t, srv.URL, servertest.AdminEmail, servertest.AdminPassword)
		kafkaProject(t, client(t, srv.URL, tok))
		return srv, tok
	}
	type attempt struct {
		name, method, path string
		body               any
		mustSay            string // in the message; "" = anything short
	}
	check := func(t *testing.T, srv *servertest.Instance, tok string, attempts []attempt) {
		for _, a := range attempts {
			start := time.Now()
			st, out := rawCallJSON(t, a.method, srv.URL+a.path, tok, a.body)
			b, _ := json.Marshal(out)
			msg, _ := out["message"].(string)
			switch {
			case st != http.StatusBadGateway:
				t.Errorf("%s: %d %s, want 502", a.name, st, b)
			case strings.Contains(string(b), "SECRET") || strings.Contains(string(b), "HTTP") || strings.Contains(string(b), "1213486160"):
				t.Errorf("%s: the peer's answer is echoed: %s", a.name, b)
			case len(msg) > 200:
				t.Errorf("%s: message of %d bytes: %s", a.name, len(msg), msg)
			case a.mustSay != "" && !strings.Contains(msg, a.mustSay):
				t.Errorf("%s: message %q does not say %q", a.name, msg, a.mustSay)
			case a.mustSay != "" && time.Since(start) > 3*time.Second:
				t.Errorf("%s: refused after %s, not before connecting", a.name, time.Since(start))
			}
		}
	}
	service := func(name, typ, uri string) map[string]any {
		return map[string]any{"service_name": name, "service_type": typ, "plan": "startup-4", "user_config": map[string]any{"connection_uri": uri}}
	}
	sync := func(broker string) map[string]any {
		return map[string]any{"bootstrap_servers": []string{broker}, "dry_run": true}
	}
	const outside = "outside the networks"

	t.Run("default", func(t *testing.T) {
		srv, tok := setup(t)
		check(t, srv, tok, []attempt{
			{"pg at a web service", "POST", "/v1/project/stream/service", service("pg-web", "pg", "postgres://u:p@"+peer+"/db?sslmode=disable"), ""},
			{"mysql at a web service", "POST", "/v1/project/stream/service", service("mysql-web", "mysql", "mysql://u:p@"+peer+"/db"), ""},
			{"redis at a web service", "POST", "/v1/project/stream/service", service("redis-web", "redis", "redis://u:p@"+peer+"/0"), ""},
			{"kafka sync to a web service", "POST", "/v1/project/stream/service/kafka-1/kafka/sync", sync(peer), ""},
			{"pg at the metadata address", "POST", "/v1/project/stream/service", service("pg-meta", "pg", "postgres://u:p@169.254.169.254:5432/db"), outside},
			{"redis at link-local IPv6", "POST", "/v1/project/stream/service", service("redis-ll", "redis", "redis://[fe80::1]:"+peerPort+"/0"), ""},
			{"kafka sync to the metadata address", "POST", "/v1/project/stream/service/kafka-1/kafka/sync", sync("169.254.169.254:80"), outside},
		})
	})
	t.Run("allow-list", func(t *testing.T) {
		srv, tok := setup(t, func(c *server.Config) { c.OutboundAllow = "10.0.0.0/8" })
		check(t, srv, tok, []attempt{
			{"pg on loopback", "POST", "/v1/project/stream/service", service("pg-local", "pg", backendtest.Postgres(t)), outside},
			{"redis by name resolving to loopback", "POST", "/v1/project/stream/service", service("redis-name", "redis", "redis://localhost:"+peerPort+"/0"), outside},
			{"kafka sync on loopback", "POST", "/v1/project/stream/service/kafka-1/kafka/sync", sync(peer), outside},
		})
	})
}
