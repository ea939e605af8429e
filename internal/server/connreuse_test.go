package server_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/server/servertest"
)

// TestRequestsOfAConnection: requests that follow each other on one
// kept-alive connection (which share its request context) each answer
// with their own request ID and revision, whatever the connection's
// earlier requests wrote.
func TestRequestsOfAConnection(t *testing.T) {
	srv := servertest.Start(t, servertest.SQLite(t))
	tok := login(t, srv.URL, servertest.AdminEmail, servertest.AdminPassword)
	// Two connections, each kept for all its requests.
	type conn struct {
		c net.Conn
		r *bufio.Reader
	}
	conns := map[string]conn{}
	for _, name := range []string{"a", "b"} {
		c, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		// A server that never answers fails the test instead of hanging it.
		if err := c.SetDeadline(time.Now().Add(30 * time.Second)); err != nil {
			t.Fatal(err)
		}
		conns[name] = conn{c, bufio.NewReader(c)}
	}
	type answer struct {
		status    int
		revision  int64
		requestID string
	}
	// sendOn writes to the named connection itself: the package's send
	// goes through a client that picks its own connection.
	sendOn := func(conn, method, path, requestID string, body any) answer {
		t.Helper()
		var in io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			in = bytes.NewReader(b)
		}
		req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+path, in)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "aivenv1 "+tok)
		req.Header.Set("Content-Type", "application/json")
		if requestID != "" {
			req.Header.Set("X-Request-Id", requestID)
		}
		if err := req.Write(conns[conn].c); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(conns[conn].r, req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		rev, _ := strconv.ParseInt(resp.Header.Get("Gatehouse-Revision"), 10, 64)
		return answer{resp.StatusCode, rev, resp.Header.Get("X-Request-Id")}
	}
	var orgs struct {
		Organizations []struct {
			ID string `json:"organization_id"`
		} `json:"organizations"`
	}
	if st := callJSON(t, http.MethodGet, srv.URL+"/v1/organizations", tok, nil, &orgs); st != http.StatusOK || len(orgs.Organizations) == 0 {
		t.Fatalf("organizations: %d %+v", st, orgs)
	}
	projects := "/v1/organization/" + orgs.Organizations[0].ID + "/projects"

	first := sendOn("a", http.MethodPost, projects, "", map[string]string{"project_id": "conn-a"})
	second := sendOn("b", http.MethodPost, projects, "", map[string]string{"project_id": "conn-b"})
	if first.status != http.StatusOK || second.status != http.StatusOK || second.revision <= first.revision {
		t.Fatalf("writes answered %+v and %+v", first, second)
	}
	steps := []struct {
		name, conn, method, path, requestID string
		body                                any
		wantStatus                          int
		wantRevision                        int64 // 0: any
	}{
		{"a read after the other connection's write: the newest revision", "a", http.MethodGet, "/v1/me", "", nil, http.StatusOK, second.revision},
		{"again", "a", http.MethodGet, "/v1/me", "", nil, http.StatusOK, second.revision},
		{"the client's request ID", "a", http.MethodGet, "/v1/me", "client-id-1", nil, http.StatusOK, second.revision},
		{"a refused write", "a", http.MethodPost, projects, "", map[string]string{"project_id": "Not A Name!"}, http.StatusBadRequest, 0},
		{"a write on the same connection", "a", http.MethodPost, projects, "", map[string]string{"project_id": "conn-a2"}, http.StatusOK, second.revision + 1},
		{"a read after it", "a", http.MethodGet, "/v1/me", "", nil, http.StatusOK, second.revision + 1},
	}
	seen := map[string]bool{first.requestID: true, second.requestID: true}
	for _, st := range steps {
		got := sendOn(st.conn, st.method, st.path, st.requestID, st.body)
		if got.status != st.wantStatus {
			t.Fatalf("%s: status %d, want %d", st.name, got.status, st.wantStatus)
		}
		if st.wantRevision != 0 && got.revision != st.wantRevision {
			t.Errorf("%s: revision %d, want %d", st.name, got.revision, st.wantRevision)
		}
		switch {
		case st.requestID != "" && got.requestID != st.requestID:
			t.Errorf("%s: request ID %q, want the client's %q", st.name, got.requestID, st.requestID)
		case st.requestID == "" && (got.requestID == "" || seen[got.requestID]):
			t.Errorf("%s: request ID %q, want a new one", st.name, got.requestID)
		}
		seen[got.requestID] = true
	}
}
