// Package mailtest runs a real SMTP server on a loopback port for tests and
// hands over the messages it receives.
package mailtest

import (
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is one received message.
type Message struct {
	From string
	To   []string
	Data string // headers and body as received
}

// Server is a running loopback SMTP server.
type Server struct {
	Addr     string // 127.0.0.1:port
	User     string // when set, clients must AUTH PLAIN with User and Pass
	Pass     string
	received chan Message
}

// Start runs a server until the test ends. With user set it requires
// authentication (allowed without TLS: the connection is loopback).
func Start(t testing.TB, user, pass string) *Server {
	t.Helper()
	s := &Server{User: user, Pass: pass, received: make(chan Message, 64)}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{srv: s}, nil }))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return s
}

// URL is the smtp:// URL of the server, with its credentials.
func (s *Server) URL() string {
	if s.User == "" {
		return "smtp://" + s.Addr
	}
	return "smtp://" + s.User + ":" + s.Pass + "@" + s.Addr
}

// Next waits for the next message, failing the test after timeout.
func (s *Server) Next(t testing.TB, timeout time.Duration) Message {
	t.Helper()
	select {
	case m := <-s.received:
		return m
	case <-time.After(timeout):
		t.Fatalf("no mail received within %v", timeout)
		return Message{}
	}
}

type session struct {
	srv    *Server
	authed bool
	msg    Message
}

var errAuthRequired = &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.srv.User || pass != s.srv.Pass {
			return errors.New("invalid credentials")
		}
		s.authed = true
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.srv.User != "" && !s.authed {
		return errAuthRequired
	}
	s.msg = Message{From: from}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.msg.To = append(s.msg.To, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.msg.Data = strings.ReplaceAll(string(b), "\r\n", "\n")
	s.srv.received <- s.msg
	return nil
}

func (s *session) Reset()        { s.msg = Message{} }
func (s *session) Logout() error { return nil }
