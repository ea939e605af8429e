package control

import (
	"sync"
	"time"
)

// memberCache remembers, for tokenCacheTTL, that a user was found a member
// of an organization, so that a batch check by a member who is not a super
// admin needs no store transaction (see Plane.checkInMemory). Only
// positive answers are kept: a refusal is always decided, and worded, by
// the store.
//
// Staleness is bounded like the token and policy caches: every write this
// server commits, and every change-log entry it applies, empties the
// cache, so a removal made here is seen by the next request; a removal
// made on another server is seen within tokenCacheTTL (at once when it
// also removed grants or group memberships, which reach the change log).
type memberCache struct {
	mu sync.RWMutex
	m  map[memberKey]time.Time // when the membership was read
	// gen counts invalidations: a membership read before one is not
	// cached after it, so a removal committed while a request was reading
	// cannot be undone by that request's put.
	gen uint64
}

type memberKey struct{ org, user string }

// memberCacheMax bounds the cache; past it, it starts over.
const memberCacheMax = 100_000

func newMemberCache() *memberCache { return &memberCache{m: map[memberKey]time.Time{}} }

// has reports whether user was found a member of org within tokenCacheTTL.
func (c *memberCache) has(org, user string, now time.Time) bool {
	c.mu.RLock()
	fetched, ok := c.m[memberKey{org, user}]
	c.mu.RUnlock()
	return ok && now.Sub(fetched) <= tokenCacheTTL && !now.Before(fetched)
}

// generation is read before the transaction that reads a membership, and
// handed to put.
func (c *memberCache) generation() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

func (c *memberCache) put(org, user string, fetched time.Time, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return // invalidated while it was read
	}
	if len(c.m) >= memberCacheMax {
		clear(c.m)
	}
	c.m[memberKey{org, user}] = fetched
}

// dropAll forgets every membership: a write or a change-log entry may have
// removed one.
func (c *memberCache) dropAll() {
	c.mu.Lock()
	if len(c.m) > 0 {
		clear(c.m)
	}
	c.gen++
	c.mu.Unlock()
}
