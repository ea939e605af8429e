package control

import (
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Sentinel errors of the use cases. The HTTP layer turns each into a status
// code in exactly one place; every error a use case returns wraps one of
// these, a store sentinel, or an org/identity validation sentinel.
var (
	ErrInvalid         = errors.New("invalid request")
	ErrUnauthenticated = errors.New("authentication required")
	ErrForbidden       = errors.New("forbidden")
	ErrNotFound        = errors.New("not found")
	ErrConflict        = errors.New("conflict")
	// ErrExists: what the request creates (or renames to) already exists,
	// a kind of ErrConflict. Aiven's clients look for "already exists" in
	// a 409's message (aiven.IsAlreadyExists).
	ErrExists          = fmt.Errorf("%w: already exists", ErrConflict)
	ErrTooManyRequests = errors.New("too many requests")
	// ErrGone: a one-time thing (an invitation, a reset code) that existed
	// but can no longer be used: expired, cancelled or already used.
	ErrGone = errors.New("gone")
	// ErrUpstream: a system Gatehouse acts on (a Kafka cluster, a
	// database server) failed or could not be reached.
	ErrUpstream = errors.New("upstream failure")
	// ErrUnavailable: the installation lacks what the operation needs
	// (a secret key for credentials).
	ErrUnavailable = errors.New("not available")
)

// failure is an error with a message meant for the API's caller and a kind
// (one of the sentinels above) that decides the status code.
type failure struct {
	kind  error
	msg   string
	retry time.Duration // for ErrTooManyRequests: when to try again
}

func (f *failure) Error() string { return f.msg }
func (f *failure) Unwrap() error { return f.kind }

func fail(kind error, format string, args ...any) error {
	return &failure{kind: kind, msg: fmt.Sprintf(format, args...)}
}

// tooMany is a 429 telling the caller to retry after wait.
func tooMany(wait time.Duration, format string, args ...any) error {
	return &failure{kind: ErrTooManyRequests, msg: fmt.Sprintf(format, args...), retry: wait}
}

// RetryAfter reports how long the caller refused with err should wait
// before trying again, when the refusal says so.
func RetryAfter(err error) (time.Duration, bool) {
	var f *failure
	if errors.As(err, &f) && f.retry > 0 {
		return f.retry, true
	}
	return 0, false
}

// notFound turns a store "not found" into a 404 with the API's wording and
// passes other errors through.
func notFound(err error, msg string) error {
	if errors.Is(err, store.ErrNotFound) {
		return fail(ErrNotFound, "%s", msg)
	}
	return err
}

// conflict turns a store "already exists" into a 409 with the API's
// wording (`Group "g" already exists`) and passes other errors through.
func conflict(err error, msg string) error {
	if errors.Is(err, store.ErrConflict) {
		return fail(ErrExists, "%s", msg)
	}
	return err
}
