package control

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/token"
)

// tokenUse is a token's last use, waiting to be written.
type tokenUse struct {
	at     time.Time
	ip, ua string
	expiry *time.Time // the extended expiry of an extend_when_used token
}

func (u tokenUse) apply(t *token.Token) {
	if t.LastUsedTime != nil && !u.at.After(*t.LastUsedTime) {
		return
	}
	at := u.at
	t.LastUsedTime, t.LastIP, t.LastUserAgent = &at, u.ip, u.ua
	if u.expiry != nil {
		t.ExpiryTime = u.expiry
	}
}

// useBatch holds token uses that requests recorded and RecordTokenUse has
// not written yet: authenticating never writes to the database itself.
type useBatch struct {
	mu      sync.Mutex
	pending map[string]tokenUse // by token hash
}

// maxPendingUses bounds the batch should writes fail for long; the
// oldest news is then lost, which costs only listing accuracy.
const maxPendingUses = 100_000

func newUseBatch() *useBatch { return &useBatch{pending: make(map[string]tokenUse)} }

func (b *useBatch) add(hash string, u tokenUse) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.pending) >= maxPendingUses {
		return
	}
	b.pending[hash] = u
}

func (b *useBatch) get(hash string) (tokenUse, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	u, ok := b.pending[hash]
	return u, ok
}

func (b *useBatch) take() map[string]tokenUse {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := b.pending
	b.pending = make(map[string]tokenUse)
	return out
}

// putBack re-queues uses whose write failed, unless newer ones arrived.
func (b *useBatch) putBack(m map[string]tokenUse) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for h, u := range m {
		if _, newer := b.pending[h]; !newer && len(b.pending) < maxPendingUses {
			b.pending[h] = u
		}
	}
}

// overlay applies a pending use to a token read from the store, so this
// server's readers see its own recorded uses before they are written.
func (b *useBatch) overlay(t *token.Token) {
	if u, ok := b.get(t.Hash); ok {
		u.apply(t)
	}
}

// recordUse notes a request's use of a cached token: in the cache at once,
// in the store with the next batch.
func (p *Plane) recordUse(e *cachedToken, now time.Time, ip, ua string) {
	t, _ := e.snapshot()
	at := now.UTC()
	u := tokenUse{at: at, ip: ip, ua: ua}
	if t.ExtendWhenUsed && t.MaxAgeSeconds != nil {
		// extend_when_used: the expiry counts from the last use.
		x := at.Add(time.Duration(*t.MaxAgeSeconds) * time.Second)
		u.expiry = &x
	}
	e.touched(u)
	p.uses.add(t.Hash, u)
}

// FlushTokenUse writes the pending token uses in one transaction. Tokens
// revoked meanwhile are skipped.
func (p *Plane) FlushTokenUse(ctx context.Context) error {
	batch := p.uses.take()
	if len(batch) == 0 {
		return nil
	}
	err := p.store.Write(ctx, func(tx store.Tx) error {
		for hash, u := range batch {
			if err := tx.TouchToken(hash, u.at, u.ip, u.ua, u.expiry); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		return nil
	})
	if err != nil {
		p.uses.putBack(batch)
	}
	return err
}

// RecordTokenUse writes pending token uses every interval until ctx ends,
// and once more then, so a graceful stop loses none.
func (p *Plane) RecordTokenUse(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if err := p.FlushTokenUse(fctx); err != nil {
				p.log.Warn("recording token use at shutdown", "err", err)
			}
			return
		case <-t.C:
			if err := p.FlushTokenUse(ctx); err != nil && ctx.Err() == nil {
				p.log.Warn("recording token use", "err", err)
			}
		}
	}
}
