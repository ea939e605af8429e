package kafkaacl

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestGlob(t *testing.T) {
	tests := []struct {
		name, pattern string
		yes, no       []string
	}{
		{"literal", "xyz", []string{"xyz"}, []string{"", "xy", "xyzz", "XYZ"}},
		{"dot is literal", "a.b", []string{"a.b"}, []string{"axb"}},
		{"star alone", "*", []string{"", "a", "anything.at.all"}, nil},
		{"stars only", "**", []string{"", "x"}, nil},
		{"prefix", "test*", []string{"test", "test1", "testing"}, []string{"tes", "atest"}},
		{"suffix", "*-dlq", []string{"-dlq", "orders-dlq"}, []string{"orders-dlq2"}},
		{"question exactly one", "user?", []string{"user1", "userX"}, []string{"user", "user10"}},
		{"one or more", "?*", []string{"a", "abc"}, []string{""}},
		{"infix star", "team.*.events", []string{"team..events", "team.a.events", "team.a.b.events"}, []string{"team.events", "team.a.event"}},
		{"mixed", "logs-?-*-v?", []string{"logs-1--v2", "logs-a-xyz-v9"}, []string{"logs--x-v1", "logs-1-x-v"}},
		{"backtracking", "*a*b", []string{"ab", "xaxb", "aab", "abab"}, []string{"ba", "aaa"}},
		{"question is one rune", "?", []string{"é", "日"}, []string{"ab", ""}},
		{"star then literal repeats", "*aa", []string{"aaa", "baa"}, []string{"aba"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := CompileGlob(tt.pattern)
			for _, s := range tt.yes {
				if !g.Match(s) || !MatchGlob(tt.pattern, s) {
					t.Errorf("%q should match %q", tt.pattern, s)
				}
			}
			for _, s := range tt.no {
				if g.Match(s) || MatchGlob(tt.pattern, s) {
					t.Errorf("%q should not match %q", tt.pattern, s)
				}
			}
		})
	}
}

func TestGlobClassification(t *testing.T) {
	tests := []struct {
		pattern    string
		literal    bool
		all        bool
		prefix     string
		prefixOnly bool
		litPrefix  string
	}{
		{"abc", true, false, "", false, "abc"},
		{"*", false, true, "", false, ""},
		{"ab*", false, false, "ab", true, "ab"},
		{"ab**", false, false, "ab", true, "ab"},
		{"ab?", false, false, "", false, "ab"},
		{"ab*c", false, false, "", false, "ab"},
		{"*c", false, false, "", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			g := CompileGlob(tt.pattern)
			p, ok := g.PrefixOnly()
			if g.IsLiteral() != tt.literal || g.MatchesAll() != tt.all || p != tt.prefix || ok != tt.prefixOnly || g.LiteralPrefix() != tt.litPrefix {
				t.Errorf("got literal=%v all=%v prefix=%q,%v litPrefix=%q", g.IsLiteral(), g.MatchesAll(), p, ok, g.LiteralPrefix())
			}
		})
	}
}

// regexpGlob is the obvious reference: Aiven's documented translation
// ('*' → (.*), '?' → '.', everything else quoted), anchored, with (?s) so
// '.' also matches a newline.
func regexpGlob(pattern string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`(?s)^`)
	for _, c := range pattern {
		switch c {
		case '*':
			b.WriteString("(.*)")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString(`$`)
	return regexp.MustCompile(b.String())
}

// naiveGlob is a second reference: the textbook dynamic program over
// runes (m[i][j]: the first i pattern runes match the first j name runes),
// quadratic but obviously correct and immune to the backtracking blow-up
// a plain recursion has on many stars.
func naiveGlob(p, s string) bool {
	pr := []rune(p)
	sr := []rune(s) // invalid bytes become U+FFFD, one rune each, like regexp
	m := make([][]bool, len(pr)+1)
	for i := range m {
		m[i] = make([]bool, len(sr)+1)
	}
	m[0][0] = true
	for i := 1; i <= len(pr); i++ {
		for j := 0; j <= len(sr); j++ {
			switch pr[i-1] {
			case '*':
				m[i][j] = m[i-1][j] || j > 0 && m[i][j-1]
			case '?':
				m[i][j] = j > 0 && m[i-1][j-1]
			default:
				m[i][j] = j > 0 && m[i-1][j-1] && pr[i-1] == sr[j-1]
			}
		}
	}
	return m[len(pr)][len(sr)]
}

func checkGlob(t *testing.T, pattern, s string) {
	t.Helper()
	if !utf8.ValidString(pattern) || strings.ContainsRune(pattern, utf8.RuneError) {
		// Patterns are validated UTF-8 (ValidateTopic). A literal U+FFFD is
		// skipped: regexp lets it match an invalid byte, we compare bytes.
		return
	}
	want := regexpGlob(pattern).MatchString(s)
	if got := CompileGlob(pattern).Match(s); got != want {
		t.Fatalf("Glob(%q).Match(%q) = %v, regexp says %v", pattern, s, got, want)
	}
	if got := naiveGlob(pattern, s); got != want {
		t.Fatalf("naiveGlob(%q, %q) = %v, regexp says %v", pattern, s, got, want)
	}
}

func FuzzGlob(f *testing.F) {
	for _, seed := range [][2]string{
		{"*", ""}, {"?*", ""}, {"a*b?c", "axxbyc"}, {"*.events", "team.a.events"},
		{"user?", "user10"}, {"日?*", "日本語"}, {"**a", "a"}, {"a.b", "a\nb"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(checkGlob)
}

// TestGlobRandom runs the fuzz comparison on many random small patterns
// in every plain `go test`, over an alphabet small enough to make matches
// and near misses frequent.
func TestGlobRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	pick := func(alphabet string, n int) string {
		r := []rune(alphabet)
		var b strings.Builder
		for range n {
			b.WriteRune(r[rng.IntN(len(r))])
		}
		return b.String()
	}
	for range 20000 {
		checkGlob(t, pick("ab*?.é", rng.IntN(7)), pick("ab.é\n", rng.IntN(9)))
	}
}
