package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/authz"
	"github.com/gatehouse-dev/gatehouse/internal/control"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/org"
	"github.com/gatehouse-dev/gatehouse/internal/serviceuser"
)

// errorBody is Aiven's failure shape.
type errorBody struct {
	Message string       `json:"message"`
	Errors  []errorEntry `json:"errors"`
}

type errorEntry struct {
	Message   string `json:"message"`
	Status    int    `json:"status"`
	ErrorCode string `json:"error_code,omitempty"`
}

// httpError is an error that already knows its status (decode failures,
// unknown routes).
type httpError struct {
	status int
	code   string
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func badRequest(msg string) error { return &httpError{http.StatusBadRequest, "bad_request", msg} }

// statusOf is the one place where domain errors become API errors.
func statusOf(err error) (status int, code, msg string) {
	var he *httpError
	if errors.As(err, &he) {
		return he.status, he.code, he.msg
	}
	table := []struct {
		target error
		status int
		code   string
	}{
		{control.ErrInvalid, http.StatusBadRequest, "bad_request"},
		{org.ErrInvalid, http.StatusBadRequest, "bad_request"},
		{org.ErrCycle, http.StatusBadRequest, "bad_request"},
		{org.ErrTooDeep, http.StatusBadRequest, "bad_request"},
		{org.ErrCrossTenant, http.StatusBadRequest, "bad_request"},
		{authz.ErrUnknownPermission, http.StatusBadRequest, "bad_request"},
		{identity.ErrWeakPassword, http.StatusBadRequest, "bad_request"},
		{serviceuser.ErrInvalid, http.StatusBadRequest, "bad_request"},
		{control.ErrUnauthenticated, http.StatusUnauthorized, "unauthenticated"},
		{identity.ErrBadCredentials, http.StatusUnauthorized, "unauthenticated"},
		{control.ErrForbidden, http.StatusForbidden, "forbidden"},
		{control.ErrNotFound, http.StatusNotFound, "not_found"},
		{control.ErrExists, http.StatusConflict, "already_exists"},
		{control.ErrConflict, http.StatusConflict, "conflict"},
		{org.ErrNotEmpty, http.StatusConflict, "conflict"},
		{control.ErrGone, http.StatusGone, "gone"},
		{control.ErrPrecondition, http.StatusPreconditionFailed, "precondition_failed"},
		{control.ErrTooManyRequests, http.StatusTooManyRequests, "too_many_requests"},
		{control.ErrUpstream, http.StatusBadGateway, "upstream_error"},
		{control.ErrUnavailable, http.StatusServiceUnavailable, "unavailable"},
	}
	for _, row := range table {
		if errors.Is(err, row.target) {
			return row.status, row.code, clean(err, row.target)
		}
	}
	return http.StatusInternalServerError, "internal_error", "internal error"
}

// clean drops a leading "<sentinel>: " from wrapped messages, so callers see
// "project name must start with a letter", not "invalid: project name ...".
func clean(err, sentinel error) string {
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, sentinel.Error()+": "); ok && rest != "" {
		return upperFirst(rest)
	}
	return upperFirst(msg)
}

func upperFirst(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
