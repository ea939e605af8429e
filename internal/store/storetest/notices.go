package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/token"
)

// testNotices: Listen reports each committed change-log entry and token
// deletion, after a Resync once listening has begun, and nothing of a
// write that rolled back.
func testNotices(t *testing.T, open Opener) {
	s := open(t)
	ctx, cancel := context.WithCancel(t.Context())
	notices := make(chan store.Notice, 100)
	done := make(chan struct{})
	go func() { defer close(done); s.Listen(ctx, func(n store.Notice) { notices <- n }) }()
	defer func() { cancel(); <-done }()
	next := func(what string) store.Notice {
		t.Helper()
		select {
		case n := <-notices:
			return n
		case <-time.After(10 * time.Second):
			t.Fatalf("no notice of %s within 10s", what)
		}
		return store.Notice{}
	}
	if n := next("listening"); !n.Resync {
		t.Fatalf("first notice = %+v, want a Resync", n)
	}

	errRollBack := errors.New("roll back")
	if err := s.Write(t.Context(), func(tx store.Tx) error {
		if _, err := tx.AppendChange([]byte("rolled back")); err != nil {
			return err
		}
		return errRollBack
	}); !errors.Is(err, errRollBack) {
		t.Fatalf("Write = %v", err)
	}
	_, h1, p1 := token.New(token.KindPersonal)
	_, h2, p2 := token.New(token.KindSession)
	var rev int64
	write(t, s, func(tx store.Tx) error {
		if err := tx.CreateUser(newUser("u1", "u1@example.com")); err != nil {
			return err
		}
		for _, tk := range []token.Token{
			{Hash: h1, Prefix: p1, Kind: token.KindPersonal, UserID: "u1", CreateTime: at(1)},
			{Hash: h2, Prefix: p2, Kind: token.KindSession, UserID: "u1", CreateTime: at(2)},
		} {
			if err := tx.CreateToken(tk); err != nil {
				return err
			}
		}
		var err error
		rev, err = tx.AppendChange([]byte("committed"))
		return err
	})
	if n := next("a committed change"); n.Revision != rev {
		t.Fatalf("notice = %+v, want revision %d (nothing of the rolled-back write)", n, rev)
	}
	write(t, s, func(tx store.Tx) error { return tx.DeleteToken(h1) })
	if n := next("a deleted token"); n.TokenHash != h1 {
		t.Fatalf("notice = %+v, want token %s", n, h1)
	}
	write(t, s, func(tx store.Tx) error { _, err := tx.DeleteSessions("u1"); return err })
	if n := next("deleted sessions"); n.TokenUserID != "u1" {
		t.Fatalf("notice = %+v, want the tokens of u1", n)
	}
	// Deleting nothing tells nobody anything; the next notice is the next
	// change.
	write(t, s, func(tx store.Tx) error { _, err := tx.DeleteUserTokens("u1"); return err })
	write(t, s, func(tx store.Tx) error { rev, _ = tx.AppendChange([]byte("last")); return nil })
	if n := next("the last change"); n.Revision != rev {
		t.Fatalf("notice = %+v, want revision %d", n, rev)
	}
}
