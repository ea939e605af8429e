package kafkaacl

import (
	"strings"
	"unicode/utf8"
)

// Glob is a compiled Aiven wildcard pattern: '?' matches exactly one
// character, '*' matches zero or more, every other character (including
// '.') matches itself. "?*" therefore means "one or more". A character is
// a Unicode code point; an invalid UTF-8 byte counts as one character,
// as in Go's regexp.
//
// Patterns are classified at compile time so that the common shapes
// (literal, "prefix*", "*suffix", "*") match with a single comparison; the
// rest use an allocation-free matcher with one backtrack point, linear in
// practice and O(len(pattern)·len(name)) at worst. No regexp is involved.
type Glob struct {
	pattern string
	kind    globKind
	lit     string // the literal, prefix or suffix text for the fast kinds
}

type globKind uint8

const (
	globLiteral globKind = iota // no wildcards
	globAll                     // only '*'
	globPrefix                  // literal then only '*'
	globSuffix                  // only '*' then literal
	globGeneral
)

// CompileGlob classifies pattern. It never fails: every string is a
// valid pattern.
func CompileGlob(pattern string) Glob {
	g := Glob{pattern: pattern, kind: globGeneral}
	first := strings.IndexAny(pattern, "*?")
	switch {
	case first < 0:
		g.kind, g.lit = globLiteral, pattern
	case strings.IndexByte(pattern, '?') >= 0:
		// '?' needs the general matcher.
	case strings.Trim(pattern, "*") == "":
		g.kind = globAll
	case strings.Trim(pattern[first:], "*") == "":
		g.kind, g.lit = globPrefix, pattern[:first]
	default:
		if rest := strings.TrimLeft(pattern, "*"); strings.IndexByte(rest, '*') < 0 {
			g.kind, g.lit = globSuffix, rest
		}
	}
	return g
}

// String returns the source pattern.
func (g Glob) String() string { return g.pattern }

// IsLiteral reports whether the pattern has no wildcards.
func (g Glob) IsLiteral() bool { return g.kind == globLiteral }

// MatchesAll reports whether the pattern is made only of '*' and so matches
// every string.
func (g Glob) MatchesAll() bool { return g.kind == globAll }

// LiteralPrefix returns the text before the first wildcard; every match
// starts with it.
func (g Glob) LiteralPrefix() string {
	if i := strings.IndexAny(g.pattern, "*?"); i >= 0 {
		return g.pattern[:i]
	}
	return g.pattern
}

// PrefixOnly reports whether the pattern is "<prefix>" followed only by
// '*', i.e. exactly a Kafka PREFIXED pattern, and returns the prefix.
func (g Glob) PrefixOnly() (string, bool) {
	if g.kind == globPrefix {
		return g.lit, true
	}
	return "", false
}

// Match reports whether s matches the pattern.
func (g Glob) Match(s string) bool {
	switch g.kind {
	case globLiteral:
		return s == g.lit
	case globAll:
		return true
	case globPrefix:
		return strings.HasPrefix(s, g.lit)
	case globSuffix:
		return strings.HasSuffix(s, g.lit)
	}
	return matchGlob(g.pattern, s)
}

// MatchGlob matches s against pattern without compiling it; for one-off
// checks.
func MatchGlob(pattern, s string) bool { return matchGlob(pattern, s) }

// matchGlob is the classic wildcard matcher: on a mismatch, retry from the
// last '*' with it absorbing one more character. One backtrack point is
// enough because a later '*' can absorb anything an earlier one could.
func matchGlob(p, s string) bool {
	px, sx := 0, 0
	starP, starS := -1, 0
	for sx < len(s) {
		if px < len(p) {
			switch c := p[px]; c {
			case '*':
				starP, starS = px, sx
				px++
				continue
			case '?':
				px++
				sx += runeWidth(s, sx)
				continue
			default:
				if s[sx] == c {
					px++
					sx++
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		starS += runeWidth(s, starS)
		px, sx = starP+1, starS
	}
	for px < len(p) && p[px] == '*' {
		px++
	}
	return px == len(p)
}

func runeWidth(s string, i int) int {
	if s[i] < utf8.RuneSelf {
		return 1
	}
	_, w := utf8.DecodeRuneInString(s[i:])
	return w
}
