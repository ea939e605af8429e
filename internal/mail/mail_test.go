package mail_test

import (
	"context"
	"errors"
	"mime"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/mail"
	"github.com/gatehouse-dev/gatehouse/internal/mail/mailtest"
)

func TestSendOverLoopbackSMTP(t *testing.T) {
	cases := []struct {
		name       string
		user, pass string
		from       string
		wantFrom   string
	}{
		{"without authentication", "", "", "", "gatehouse@127.0.0.1"},
		{"with PLAIN authentication", "relay", "s3cret", "noreply@example.com", "noreply@example.com"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := mailtest.Start(t, c.user, c.pass)
			s, err := mail.NewSMTP(srv.URL(), c.from)
			if err != nil {
				t.Fatal(err)
			}
			msg := mail.Message{To: "someone@example.com", Subject: "Hello", Text: "line one\nline two"}
			if err := s.Send(t.Context(), msg); err != nil {
				t.Fatalf("Send: %v", err)
			}
			got := srv.Next(t, 5*time.Second)
			if got.From != c.wantFrom || len(got.To) != 1 || got.To[0] != "someone@example.com" {
				t.Fatalf("envelope %q -> %v", got.From, got.To)
			}
			for _, want := range []string{"Subject: Hello\n", "To: someone@example.com\n", "\nline one\nline two"} {
				if !strings.Contains(got.Data, want) {
					t.Errorf("message lacks %q:\n%s", want, got.Data)
				}
			}
		})
	}
}

// TestSubjectEncoding: a header is ASCII, so a subject with other
// characters is sent as an RFC 2047 encoded word that mail readers decode.
func TestSubjectEncoding(t *testing.T) {
	t.Parallel()
	srv := mailtest.Start(t, "", "")
	s, err := mail.NewSMTP(srv.URL(), "")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, subject string
		encoded       bool
	}{
		{"ASCII is sent as it is", "Join Acme on Gatehouse", false},
		{"accents", "Invitation à rejoindre Ærøskøbing", true},
		{"non-Latin script", "Приглашение в организацию Acme", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := s.Send(t.Context(), mail.Message{To: "someone@example.com", Subject: c.subject, Text: "x"}); err != nil {
				t.Fatalf("Send: %v", err)
			}
			got := srv.Next(t, 5*time.Second)
			var header string
			for _, line := range strings.Split(got.Data, "\n") {
				if v, ok := strings.CutPrefix(line, "Subject: "); ok {
					header = strings.TrimRight(v, "\r")
				}
			}
			if c.encoded != strings.HasPrefix(header, "=?utf-8?q?") || !c.encoded && header != c.subject {
				t.Fatalf("Subject header %q for %q (encoded: %v)", header, c.subject, c.encoded)
			}
			for _, r := range header {
				if r > 0x7e {
					t.Fatalf("Subject header %q is not ASCII", header)
				}
			}
			if decoded, err := new(mime.WordDecoder).DecodeHeader(header); err != nil || decoded != c.subject {
				t.Fatalf("Subject decodes to %q, %v; want %q", decoded, err, c.subject)
			}
		})
	}
}

func TestSendFailures(t *testing.T) {
	srv := mailtest.Start(t, "relay", "s3cret")
	cases := []struct {
		name string
		url  string
		msg  mail.Message
	}{
		{"wrong password", "smtp://relay:wrong@" + srv.Addr, mail.Message{To: "a@example.com", Subject: "x"}},
		{"header injection in subject", srv.URL(), mail.Message{To: "a@example.com", Subject: "x\r\nBcc: evil@example.com"}},
		{"header injection in recipient", srv.URL(), mail.Message{To: "a@example.com\nBcc: evil@example.com", Subject: "x"}},
		{"nothing listening", "smtp://127.0.0.1:1", mail.Message{To: "a@example.com", Subject: "x"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := mail.NewSMTP(c.url, "")
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			if err := s.Send(ctx, c.msg); err == nil {
				t.Fatal("Send succeeded")
			}
		})
	}
}

func TestNewSMTPURLs(t *testing.T) {
	cases := []struct {
		name string
		url  string
		ok   bool
	}{
		{"smtp with port", "smtp://user:pass@mail.example.com:2525", true},
		{"smtp default port", "smtp://mail.example.com", true},
		{"smtps", "smtps://mail.example.com", true},
		{"from parameter", "smtp://mail.example.com?from=ops@example.com", true},
		{"http scheme", "http://mail.example.com", false},
		{"no host", "smtp://", false},
		{"garbage", "::::", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := mail.NewSMTP(c.url, "")
			if (err == nil) != c.ok {
				t.Fatalf("err = %v, want ok=%v", err, c.ok)
			}
		})
	}
}

func TestDisabled(t *testing.T) {
	if err := (mail.Disabled{}).Send(t.Context(), mail.Message{}); !errors.Is(err, mail.ErrNotConfigured) {
		t.Fatalf("err = %v", err)
	}
}
