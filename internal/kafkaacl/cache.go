package kafkaacl

import (
	"hash/maphash"
	"math/bits"
	"sync/atomic"
)

// verdictKey identifies a question. any marks AuthorizeAny (resource "").
type verdictKey struct {
	principal, host, resource string
	op                        Operation
	rt                        ResourceType
	any                       bool
}

// verdictCache is a direct-mapped, lock-free cache from question to
// Decision: a power-of-two array of atomic pointers to immutable entries,
// indexed by a hash of the key. A read is one atomic load and a key
// comparison, so concurrent readers never contend on a lock; a write
// replaces whatever held the slot, which bounds memory by construction and
// evicts in O(1). The full key is compared on every hit, so a hash
// collision costs a miss, never a wrong answer. The hit rate is a little
// below an LRU of the same size, which the bound makes up for cheaply.
type verdictCache struct {
	seed  maphash.Seed
	mask  uint64
	slots []atomic.Pointer[cached]
}

type cached struct {
	hash uint64
	key  verdictKey
	d    Decision
}

// newVerdictCache returns a cache of at least size slots (rounded up to a
// power of two), or nil when size <= 0, which disables caching.
func newVerdictCache(size int) *verdictCache {
	if size <= 0 {
		return nil
	}
	n := uint64(1) << bits.Len64(uint64(size-1))
	return &verdictCache{seed: maphash.MakeSeed(), mask: n - 1, slots: make([]atomic.Pointer[cached], n)}
}

func (c *verdictCache) hash(k *verdictKey) uint64 {
	h := maphash.String(c.seed, k.resource)
	h = h*0x9E3779B97F4A7C15 ^ maphash.String(c.seed, k.principal)
	if k.host != "" {
		h = h*0x9E3779B97F4A7C15 ^ maphash.String(c.seed, k.host)
	}
	b := uint64(k.op) | uint64(k.rt)<<8
	if k.any {
		b |= 1 << 16
	}
	h = (h ^ b) * 0xBF58476D1CE4E5B9
	return h ^ h>>31
}

// get returns the cached decision for k, and k's hash for a later put.
func (c *verdictCache) get(k *verdictKey) (uint64, Decision, bool) {
	if c == nil {
		return 0, Decision{}, false
	}
	h := c.hash(k)
	e := c.slots[h&c.mask].Load()
	if e == nil || e.hash != h || e.key != *k {
		return h, Decision{}, false
	}
	return h, e.d, true
}

func (c *verdictCache) put(h uint64, k *verdictKey, d Decision) {
	if c == nil {
		return
	}
	c.slots[h&c.mask].Store(&cached{hash: h, key: *k, d: d})
}

// len counts occupied slots; for tests.
func (c *verdictCache) len() int {
	n := 0
	for i := range c.slots {
		if c.slots[i].Load() != nil {
			n++
		}
	}
	return n
}
