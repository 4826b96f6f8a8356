package search

import (
	"strings"
	"sync"

	"github.com/longbridgeapp/opencc"
)

// Traditional characters fold to simplified ones (OpenCC's t2s character
// table, github.com/longbridgeapp/opencc, which embeds OpenCC's
// dictionaries): index and query both fold, so 简体 finds 繁體 and the
// reverse. Folding is per character, one for one, so snippets can still
// mark the original text; phrase-level conversions (which would change
// lengths) are not used.

const (
	cjkLo = 0x3400 // CJK Extension A and the unified ideographs: where
	cjkHi = 0x9FFF // the traditional forms in use live
)

var (
	t2sOnce  sync.Once
	t2sTable []rune // t2sTable[r-cjkLo] is r's simplified form, 0 when r is not traditional
)

// simplified is r's simplified form (r itself when it has none).
func simplified(r rune) rune {
	if r < cjkLo || r > cjkHi {
		return r
	}
	t2sOnce.Do(loadT2S)
	if s := t2sTable[r-cjkLo]; s != 0 {
		return s
	}
	return r
}

// loadT2S converts every character of the range once, one per line (so no
// two characters are read as a phrase), and keeps those that become one
// other character.
func loadT2S() {
	t2sTable = make([]rune, cjkHi-cjkLo+1)
	cc, err := opencc.New("t2s")
	if err != nil {
		panic("search: OpenCC t2s: " + err.Error()) // embedded data: cannot fail but by a broken build
	}
	var b strings.Builder
	for r := rune(cjkLo); r <= cjkHi; r++ {
		b.WriteRune(r)
		b.WriteByte('\n')
	}
	out, err := cc.Convert(b.String())
	if err != nil {
		panic("search: OpenCC t2s: " + err.Error())
	}
	lines := strings.Split(out, "\n")
	for i := 0; i <= cjkHi-cjkLo && i < len(lines); i++ {
		rs := []rune(lines[i])
		if r := rune(cjkLo + i); len(rs) == 1 && rs[0] != r {
			t2sTable[i] = rs[0]
		}
	}
}
