package control

import (
	"context"
	"runtime"
	"sync/atomic"
	"time"
)

// Password hashing (argon2id, 32 MiB and tens of milliseconds each) is the
// one thing an anonymous caller can make the server spend memory and CPU
// on. At most hashSlots hashes run at once, sized to the machine; a request
// waits at most hashWait for a slot and is then told to come back (429
// with Retry-After) instead of queueing without bound.
const (
	defaultHashWait  = 2 * time.Second
	hashRetryAfter   = time.Second
	msgHashingBusy   = "The server is busy checking passwords; try again in a moment"
	maxHashSlotsAuto = 64
)

// hashSlots is a counting semaphore over password hashing.
type hashSlots struct {
	slots chan struct{}
	wait  time.Duration
	// taken counts the slots ever handed out: every hash or verification
	// takes one, so tests can tell that a refused request hashed nothing.
	taken atomic.Int64
}

func newHashSlots(n int, wait time.Duration) *hashSlots {
	if n <= 0 {
		n = min(runtime.GOMAXPROCS(0), maxHashSlotsAuto)
	}
	if wait <= 0 {
		wait = defaultHashWait
	}
	return &hashSlots{slots: make(chan struct{}, n), wait: wait}
}

// acquire takes a slot, waiting at most the configured time; the caller
// runs release when its hash is done.
func (h *hashSlots) acquire(ctx context.Context) (release func(), err error) {
	select {
	case h.slots <- struct{}{}:
		h.taken.Add(1)
		return func() { <-h.slots }, nil
	default:
	}
	t := time.NewTimer(h.wait)
	defer t.Stop()
	select {
	case h.slots <- struct{}{}:
		h.taken.Add(1)
		return func() { <-h.slots }, nil
	case <-t.C:
		return nil, tooMany(hashRetryAfter, msgHashingBusy)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// WithPasswordHashing bounds concurrent password hashing to slots (zero:
// GOMAXPROCS) and how long a request waits for one (zero: two seconds).
func WithPasswordHashing(slots int, wait time.Duration) Option {
	return func(p *Plane) { p.hashing = newHashSlots(slots, wait) }
}

// verifyPassword checks pw against hash in a hashing slot.
func (p *Plane) verifyPassword(ctx context.Context, hash, pw string) (bool, error) {
	release, err := p.hashing.acquire(ctx)
	if err != nil {
		return false, err
	}
	defer release()
	return p.passwords.Verify(hash, pw), nil
}

// hashPassword hashes pw in a hashing slot.
func (p *Plane) hashPassword(ctx context.Context, pw string) (string, error) {
	release, err := p.hashing.acquire(ctx)
	if err != nil {
		return "", err
	}
	defer release()
	return p.passwords.Hash(pw)
}
