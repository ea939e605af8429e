package api

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/control"
)

// TestConnExchange: a connection's exchange context serves one request
// at a time; a request that finds it taken (HTTP/2) gets its own, which
// its handlers find first.
func TestConnExchange(t *testing.T) {
	t.Parallel()
	conn := ConnContext(context.Background(), nil)
	first := connExchange(conn)
	if first == nil {
		t.Fatal("a free connection context was not taken")
	}
	if connExchange(conn) != nil {
		t.Fatal("a connection context in use was taken again")
	}
	first.ex.requestID = "first"
	own := &exchangeCtx{Context: conn, ex: exchange{requestID: "own"}}
	r := httptest.NewRequest("GET", "/", nil).WithContext(control.WithRevisionNote(own))
	if got := reqID(r); got != "own" {
		t.Errorf("request ID %q, want the request's own", got)
	}
	if got := reqID(httptest.NewRequest("GET", "/", nil).WithContext(conn)); got != "first" {
		t.Errorf("request ID %q, want the connection's", got)
	}
	first.release()
	if first.ex.requestID != "" || first.ex.w.ResponseWriter != nil {
		t.Errorf("released exchange still holds %+v", first.ex)
	}
	if connExchange(conn) != first {
		t.Fatal("a released connection context was not taken again")
	}
}
