package control

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gatehouse-dev/gatehouse/internal/audit"
	"github.com/gatehouse-dev/gatehouse/internal/identity"
	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/token"
)

// Personal token operation IDs (Aiven's user handler).
const (
	OpAccessTokenCreate Op = "AccessTokenCreate"
	OpAccessTokenList   Op = "AccessTokenList"
	OpAccessTokenUpdate Op = "AccessTokenUpdate"
	OpAccessTokenRevoke Op = "AccessTokenRevoke"
	OpUserExpireTokens  Op = "UserExpireTokens"
)

func init() {
	// Personal tokens act only on the caller's own tokens.
	addRequirements(map[Op]rule{
		OpAccessTokenCreate: {authenticated: true},
		OpAccessTokenList:   {authenticated: true},
		OpAccessTokenUpdate: {authenticated: true},
		OpAccessTokenRevoke: {authenticated: true},
		OpUserExpireTokens:  {authenticated: true},
	})
}

// Token limits: Aiven's documented ranges, and caps that keep one user's
// tokens bounded.
const (
	maxTokenDescription = 1000
	minTokenMaxAge      = 600
	maxTokenMaxAge      = 315_360_000
	maxTokenScopes      = 32
	maxScopeLen         = 128
	maxTokensPerUser    = 200
	// revokedRetention is how long a revoked token is remembered, so that
	// its later use is refused with an event naming it.
	revokedRetention = 90 * 24 * time.Hour
)

// TokenInput is what a caller asks for when creating a token.
type TokenInput struct {
	Description    string
	MaxAgeSeconds  *int64 // nil: never expires
	ExtendWhenUsed bool   // expiry counts from the last use; needs MaxAgeSeconds
	IPAllowlist    []string
	Scopes         []string
}

// IssuedToken is a new token: the secret, shown this once, and what is
// stored.
type IssuedToken struct {
	Secret string
	Token  token.Token
}

// TokenInfo is a token as listed: never its secret.
type TokenInfo struct {
	token.Token
	// CurrentlyActive: the listing request was made with this token.
	CurrentlyActive bool
	// ExpiringSoon: rotate it now (see token.Token.NearExpiry).
	ExpiringSoon bool
}

func (in *TokenInput) validate() error {
	if !utf8.ValidString(in.Description) || utf8.RuneCountInString(in.Description) > maxTokenDescription {
		return fail(ErrInvalid, "description must be at most %d characters", maxTokenDescription)
	}
	if in.MaxAgeSeconds != nil && (*in.MaxAgeSeconds < minTokenMaxAge || *in.MaxAgeSeconds > maxTokenMaxAge) {
		return fail(ErrInvalid, "max_age_seconds must be between %d and %d", minTokenMaxAge, maxTokenMaxAge)
	}
	if in.ExtendWhenUsed && in.MaxAgeSeconds == nil {
		return fail(ErrInvalid, "extend_when_used needs max_age_seconds")
	}
	if _, err := token.ParseAllowlist(in.IPAllowlist); err != nil {
		return fail(ErrInvalid, "invalid ip_allowlist: %s", strings.TrimPrefix(err.Error(), token.ErrBadAllowlist.Error()+": "))
	}
	if len(in.Scopes) > maxTokenScopes {
		return fail(ErrInvalid, "scopes: at most %d entries", maxTokenScopes)
	}
	seen := map[string]bool{}
	for i, s := range in.Scopes {
		if s == "" || len(s) > maxScopeLen || !printableASCII(s) {
			return fail(ErrInvalid, "scopes[%d] must be 1 to %d printable characters without spaces", i, maxScopeLen)
		}
		if seen[s] {
			return fail(ErrInvalid, "scopes[%d]: %q is listed twice", i, s)
		}
		seen[s] = true
	}
	return nil
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// issue creates a token of kind for u in tx. The secret leaves this
// function only in the result; the store sees its hash. A personal token
// inherits the sign-in method of the token that made it (from), which
// authentication policies check.
func (p *Plane) issue(tx store.Tx, kind token.Kind, u identity.User, in TokenInput, from token.Token) (IssuedToken, error) {
	existing, err := tx.ListTokens(u.ID)
	if err != nil {
		return IssuedToken{}, err
	}
	if len(existing) >= maxTokensPerUser {
		return IssuedToken{}, fail(ErrConflict, "%s already has %d tokens; revoke some first", u.Email, len(existing))
	}
	secret, hash, prefix := token.New(kind)
	now := p.now().UTC()
	t := token.Token{
		Hash: hash, Prefix: prefix, Kind: kind, UserID: u.ID, Description: in.Description, CreateTime: now,
		MaxAgeSeconds: in.MaxAgeSeconds, ExtendWhenUsed: in.ExtendWhenUsed, IPAllowlist: in.IPAllowlist,
		Scopes: in.Scopes, CreatedManually: true,
	}
	if kind == token.KindPersonal {
		t.AuthMethod, t.TwoFactor = from.AuthMethod, from.TwoFactor
	}
	if in.MaxAgeSeconds != nil {
		x := now.Add(time.Duration(*in.MaxAgeSeconds) * time.Second)
		t.ExpiryTime = &x
	}
	if err := tx.CreateToken(t); err != nil {
		return IssuedToken{}, err
	}
	return IssuedToken{Secret: secret, Token: t}, nil
}

// lifeBound is when the token from stops working at the latest, and
// whether that bound restricts what it may mint. A password-login session
// that extends when used (30 days from its last use) is no bound: whoever
// holds the password can sign in again, so the session is the person's
// own open-ended access. Every other token with an expiry is bounded by
// it, sessions minted from a restricted token included.
func lifeBound(from token.Token) (time.Time, bool) {
	if from.ExpiryTime == nil || (from.Kind == token.KindSession && from.ExtendWhenUsed) {
		return time.Time{}, false
	}
	return *from.ExpiryTime, true
}

// withinCaller refuses a new token wider than from, the token making the
// request: its IP allow-list must lie within from's, it must expire no
// later than from (a sliding token may mint a sliding one of no longer
// maximum age), and when from lists scopes it must list only some of
// them. A restricted token can thus hand on its limits but never shed
// them, whichever path mints the new token.
func (p *Plane) withinCaller(from token.Token, in TokenInput) error {
	cur, _ := token.ParseAllowlist(from.IPAllowlist)
	if next, _ := token.ParseAllowlist(in.IPAllowlist); !cur.Covers(next) {
		return fail(ErrForbidden, "The token making this request is limited to ip_allowlist %s; the new token's ip_allowlist must lie within it",
			strings.Join(from.IPAllowlist, ", "))
	}
	if bound, ok := lifeBound(from); ok {
		left := int64(bound.Sub(p.now()) / time.Second)
		switch {
		case in.MaxAgeSeconds == nil:
			return fail(ErrForbidden, "The token making this request expires at %s; the new token must expire no later: set max_age_seconds to at most %d",
				bound.UTC().Format(time.RFC3339), left)
		case in.ExtendWhenUsed && (!from.ExtendWhenUsed || from.MaxAgeSeconds == nil || *in.MaxAgeSeconds > *from.MaxAgeSeconds):
			return fail(ErrForbidden, "The token making this request expires at %s without extension; the new token cannot use extend_when_used unless the token making the request does, with max_age_seconds no longer than its own",
				bound.UTC().Format(time.RFC3339))
		case !in.ExtendWhenUsed && *in.MaxAgeSeconds > left:
			return fail(ErrForbidden, "The token making this request expires at %s; the new token must expire no later: set max_age_seconds to at most %d",
				bound.UTC().Format(time.RFC3339), left)
		}
	}
	if len(from.Scopes) > 0 {
		if len(in.Scopes) == 0 {
			return fail(ErrForbidden, "The token making this request is limited to scopes %s; the new token must list scopes among them", strings.Join(from.Scopes, ", "))
		}
		for i, s := range in.Scopes {
			if !slices.Contains(from.Scopes, s) {
				return fail(ErrForbidden, "scopes[%d]: %q is not among the scopes of the token making this request (%s)", i, s, strings.Join(from.Scopes, ", "))
			}
		}
	}
	return nil
}

// sessionFrom stores a session token for u minted by a request made with
// a (a password change, enabling two-factor authentication). The session
// keeps the limits of a's token: its IP allow-list, its scopes and, when
// that token's life is bounded, an expiry no later than it, without
// extension. So a restricted token cannot trade itself for an
// unrestricted session.
func (p *Plane) sessionFrom(tx store.Tx, a *Actor, u identity.User, twoFactor bool) (string, error) {
	secret, t := p.sessionToken(u, twoFactor, a.ClientIP, a.UserAgent)
	t.IPAllowlist = a.Token.IPAllowlist
	t.Scopes = a.Token.Scopes
	if bound, ok := lifeBound(a.Token); ok && bound.Before(*t.ExpiryTime) {
		left := int64(bound.Sub(t.CreateTime) / time.Second)
		t.ExpiryTime, t.MaxAgeSeconds, t.ExtendWhenUsed = &bound, &left, false
	}
	return secret, tx.CreateToken(t)
}

// infos turns a user's stored tokens into a listing: expired tokens are
// left out (they can no longer be used), newest first.
func (p *Plane) infos(ts []token.Token, current string) []TokenInfo {
	now := p.now()
	out := make([]TokenInfo, 0, len(ts))
	for _, t := range ts {
		p.uses.overlay(&t)
		if t.Expired(now) {
			continue
		}
		out = append(out, TokenInfo{Token: t, CurrentlyActive: t.Hash == current, ExpiringSoon: t.NearExpiry(now)})
	}
	return out
}

// revoke deletes tokens of u in tx and remembers them as revoked, so a
// later use is refused with an event in orgIDs. The caller drops them from
// the local cache after commit; other servers stop accepting them within
// the cache's lifetime.
func (p *Plane) revoke(tx store.Tx, u identity.User, orgIDs []string, reason string, ts ...token.Token) error {
	if err := p.remember(tx, u, orgIDs, reason, ts...); err != nil {
		return err
	}
	for _, t := range ts {
		if err := tx.DeleteToken(t.Hash); err != nil {
			return err
		}
	}
	return nil
}

// remember records tokens as revoked, forgetting records past retention.
func (p *Plane) remember(tx store.Tx, u identity.User, orgIDs []string, reason string, ts ...token.Token) error {
	now := p.now().UTC()
	recs := make([]store.RevokedToken, 0, len(ts))
	for _, t := range ts {
		recs = append(recs, store.RevokedToken{Hash: t.Hash, Prefix: t.Prefix, Kind: t.Kind, UserID: u.ID, UserEmail: u.Email,
			OrganizationIDs: orgIDs, Reason: reason, RevokeTime: now})
	}
	if _, err := tx.PruneRevokedTokens(now.Add(-revokedRetention)); err != nil {
		return err
	}
	return tx.AddRevokedTokens(recs...)
}

// revokeUserTokens revokes every token of a person (sessions and personal
// tokens) and returns how many there were. The caller drops them from the
// token cache after commit (p.tokens.dropUser).
func (p *Plane) revokeUserTokens(tx store.Tx, u identity.User, reason string) (int, error) {
	ts, err := tx.ListTokens(u.ID)
	if err != nil {
		return 0, err
	}
	orgs, err := userOrgs(tx, u.ID)
	if err != nil {
		return 0, err
	}
	if err := p.remember(tx, u, orgs, reason, ts...); err != nil {
		return 0, err
	}
	return tx.DeleteUserTokens(u.ID)
}

// userOrgs returns the IDs of the organizations a user belongs to.
func userOrgs(tx store.Reader, userID string) ([]string, error) {
	ms, err := tx.ListUserMemberships(userID)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(ms))
	for _, m := range ms {
		ids = append(ids, m.OrganizationID)
	}
	return ids, nil
}

// orgEvents appends one event to each of orgIDs' logs.
func (p *Plane) orgEvents(tx store.Tx, orgIDs []string, e audit.Event) error {
	for _, id := range orgIDs {
		o, err := tx.GetOrganization(id)
		if errors.Is(err, store.ErrNotFound) {
			continue // deleted since: nowhere to log
		}
		if err != nil {
			return err
		}
		e.OrganizationID, e.AccountID = o.ID, o.AccountID
		if _, err := tx.AppendEvent(e); err != nil {
			return err
		}
	}
	return nil
}

// personalEvent logs a personal-token event in every organization of the
// actor: a person's tokens reach all of them.
func (p *Plane) personalEvent(tx store.Tx, a *Actor, action, desc string) error {
	ids, err := userOrgs(tx, a.User.ID)
	if err != nil {
		return err
	}
	return p.orgEvents(tx, ids, audit.Event{ActorUserID: a.User.ID, ActorEmail: a.User.Email, ActionType: action,
		Description: desc, ClientIP: a.ClientIP, CreateTime: p.now().UTC()})
}

// ownToken finds one of userID's tokens by prefix or, as Aiven also
// accepts, by the full token.
func ownToken(tx store.Reader, userID, ref string) (token.Token, error) {
	if ref == "" || len(ref) > 128 {
		return token.Token{}, fail(ErrNotFound, "Token not found")
	}
	var t token.Token
	var err error
	if _, perr := token.Parse(ref); perr == nil {
		t, err = tx.GetToken(token.Hash(ref))
		if err == nil && t.UserID != userID {
			err = store.ErrNotFound
		}
	} else {
		t, err = tx.GetTokenByPrefix(userID, ref)
	}
	if err != nil {
		return t, notFound(err, "Token not found")
	}
	return t, nil
}

// TokenExpiringSoon reports whether the actor's token is near its expiry
// (token.Token.NearExpiry), and when it expires: a hint to rotate it.
func (p *Plane) TokenExpiringSoon(a *Actor) (time.Time, bool) {
	if a == nil || a.Token.ExpiryTime == nil || !a.Token.NearExpiry(p.now()) {
		return time.Time{}, false
	}
	return *a.Token.ExpiryTime, true
}

// CreateAccessToken creates a personal token for the calling person. It
// carries the person's own access. Application users cannot: their tokens
// are made by organization admins, under the escalation guard.
func (p *Plane) CreateAccessToken(ctx context.Context, a *Actor, in TokenInput) (IssuedToken, error) {
	if err := in.validate(); err != nil {
		return IssuedToken{}, err
	}
	if a.User.IsApplication {
		return IssuedToken{}, fail(ErrForbidden, "Application users cannot create personal tokens; ask an organization admin for an application token")
	}
	if err := p.withinCaller(a.Token, in); err != nil {
		return IssuedToken{}, err
	}
	var out IssuedToken
	err := p.write(ctx, func(tx store.Tx) error {
		if err := p.authorize(tx, a, OpAccessTokenCreate, noParent); err != nil {
			return err
		}
		var err error
		if out, err = p.issue(tx, token.KindPersonal, a.User, in, a.Token); err != nil {
			return err
		}
		return p.personalEvent(tx, a, "access_token_create",
			fmt.Sprintf("Created personal token %s (%q)%s", out.Token.Prefix, in.Description, expiryNote(out.Token)))
	})
	return out, err
}

func expiryNote(t token.Token) string {
	if t.ExpiryTime == nil {
		return ", no expiry"
	}
	s := ", expires " + t.ExpiryTime.Format(time.RFC3339)
	if t.ExtendWhenUsed {
		s += " unless used"
	}
	return s
}

// ListAccessTokens lists the caller's valid tokens, sessions included.
func (p *Plane) ListAccessTokens(ctx context.Context, a *Actor) ([]TokenInfo, error) {
	var ts []token.Token
	err := p.read(ctx, func(tx store.Reader) error {
		if err := p.authorize(tx, a, OpAccessTokenList, noParent); err != nil {
			return err
		}
		var err error
		ts, err = tx.ListTokens(a.User.ID)
		return err
	})
	return p.infos(ts, a.Token.Hash), err
}

// UpdateAccessToken changes the description of one of the caller's tokens,
// named by prefix (or the full token).
func (p *Plane) UpdateAccessToken(ctx context.Context, a *Actor, ref, desc string) (TokenInfo, error) {
	in := TokenInput{Description: desc}
	if err := in.validate(); err != nil {
		return TokenInfo{}, err
	}
	var t token.Token
	err := p.write(ctx, func(tx store.Tx) error {
		if err := p.authorize(tx, a, OpAccessTokenUpdate, noParent); err != nil {
			return err
		}
		var err error
		if t, err = ownToken(tx, a.User.ID, ref); err != nil {
			return err
		}
		if err := tx.UpdateTokenDescription(t.Hash, desc); err != nil {
			return err
		}
		t.Description = desc
		return p.personalEvent(tx, a, "access_token_update", fmt.Sprintf("Renamed token %s to %q", t.Prefix, desc))
	})
	if err != nil {
		return TokenInfo{}, err
	}
	return TokenInfo{Token: t, CurrentlyActive: t.Hash == a.Token.Hash, ExpiringSoon: t.NearExpiry(p.now())}, nil
}

// RevokeAccessToken revokes one of the caller's tokens.
func (p *Plane) RevokeAccessToken(ctx context.Context, a *Actor, ref string) error {
	var t token.Token
	err := p.write(ctx, func(tx store.Tx) error {
		if err := p.authorize(tx, a, OpAccessTokenRevoke, noParent); err != nil {
			return err
		}
		var err error
		if t, err = ownToken(tx, a.User.ID, ref); err != nil {
			return err
		}
		orgs, err := userOrgs(tx, a.User.ID)
		if err != nil {
			return err
		}
		if err := p.revoke(tx, a.User, orgs, "revoked", t); err != nil {
			return err
		}
		return p.personalEvent(tx, a, "access_token_revoke", fmt.Sprintf("Revoked token %s (%q)", t.Prefix, t.Description))
	})
	if err == nil {
		p.tokens.drop(t.Hash)
	}
	return err
}

// ExpireAllTokens revokes every token of the caller, the one in use
// included (Aiven's "expire all authorization tokens").
func (p *Plane) ExpireAllTokens(ctx context.Context, a *Actor) error {
	err := p.write(ctx, func(tx store.Tx) error {
		if err := p.authorize(tx, a, OpUserExpireTokens, noParent); err != nil {
			return err
		}
		ts, err := tx.ListTokens(a.User.ID)
		if err != nil {
			return err
		}
		orgs, err := userOrgs(tx, a.User.ID)
		if err != nil {
			return err
		}
		if err := p.remember(tx, a.User, orgs, "expired all", ts...); err != nil {
			return err
		}
		n, err := tx.DeleteUserTokens(a.User.ID)
		if err != nil {
			return err
		}
		return p.personalEvent(tx, a, "access_tokens_expire", fmt.Sprintf("Revoked all %d tokens", n))
	})
	if err == nil {
		p.tokens.dropUser(a.User.ID)
	}
	return err
}
