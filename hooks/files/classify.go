package files

import (
	"bytes"
	"encoding/binary"
	"io"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// Classification marks (GB/T 9704 密级). Only the name and document
// metadata are checked, never the body: a notice may well say "保守国家秘密".
const (
	MarkSecret    = "秘密"
	MarkConfid    = "机密"
	MarkTopSecret = "绝密"
)

// markForms maps every spelling searched for to its mark; traditional
// forms come from documents drafted on Big5 systems. Every form is two
// runes.
var markForms = []struct{ form, mark string }{
	{"秘密", MarkSecret}, {"机密", MarkConfid}, {"绝密", MarkTopSecret},
	{"機密", MarkConfid}, {"絕密", MarkTopSecret},
}

// MarkIn returns the first classification mark in s ("秘密", "机密" or
// "绝密"), or "". Spaces between the two characters ("机 密", "绝　密")
// are ignored.
//
// The word alone is not enough: "保守国家秘密法" and "商业秘密保护指引"
// are not marked. An occurrence counts as a mark when
//   - it is followed, after optional spaces, by ★, ☆ or * ("机密★5年"); or
//   - it stands as its own token: it begins or ends s, ignoring a file
//     extension and leading or trailing spaces and punctuation
//     ("【秘密】通知.pdf", "方案 绝密.pdf"), or it has no CJK letter
//     directly on either side ("项目方案（机密）.docx", "通知-机密-2024").
func MarkIn(s string) string {
	if !strings.ContainsRune(s, '密') {
		return ""
	}
	rs := []rune(s)
	lo, hi := markSpan(rs)
	for i := range rs {
		mark, end := markAt(rs, i)
		if mark == "" {
			continue
		}
		if markStarred(rs, end) || i == lo || end == hi ||
			(markBoundary(rs, i-1) && markBoundary(rs, end)) {
			return mark
		}
	}
	return ""
}

// markAt reports the mark whose form starts at rs[i], spaces between its
// two runes allowed, and the index just past it.
func markAt(rs []rune, i int) (mark string, end int) {
	for _, f := range markForms {
		first, size := utf8.DecodeRuneInString(f.form)
		if rs[i] != first {
			continue
		}
		second, _ := utf8.DecodeRuneInString(f.form[size:])
		j := i + 1
		for j < len(rs) && unicode.IsSpace(rs[j]) {
			j++
		}
		if j < len(rs) && rs[j] == second {
			return f.mark, j + 1
		}
	}
	return "", 0
}

// markStarred reports whether rs[end:] starts, after optional spaces,
// with the star of a 密级 mark ("机密★10年").
func markStarred(rs []rune, end int) bool {
	for ; end < len(rs); end++ {
		switch r := rs[end]; {
		case r == '★' || r == '☆' || r == '*' || r == '＊':
			return true
		case !unicode.IsSpace(r):
			return false
		}
	}
	return false
}

// markBoundary reports whether position i of rs (-1 and len(rs) are the
// edges) separates a token: anything but a CJK letter.
func markBoundary(rs []rune, i int) bool {
	return i < 0 || i >= len(rs) || !isCJKLetter(rs[i])
}

func isCJKLetter(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul, unicode.Bopomofo)
}

// markSpan returns the bounds of rs without up to two file extensions
// (".pdf", ".tar.gz") and leading or trailing spaces, punctuation and
// symbols.
func markSpan(rs []rune) (lo, hi int) {
	trim := func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) }
	hi = len(rs)
	for range 2 {
		dot := -1
		for k := hi - 1; k >= 0 && hi-k <= 10; k-- {
			if rs[k] == '.' {
				dot = k
				break
			}
			if rs[k] >= utf8.RuneSelf || !(unicode.IsLetter(rs[k]) || unicode.IsDigit(rs[k])) {
				break
			}
		}
		if dot < 0 || dot == hi-1 {
			break
		}
		hi = dot
	}
	for hi > 0 && trim(rs[hi-1]) {
		hi--
	}
	for lo < hi && trim(rs[lo]) {
		lo++
	}
	return lo, hi
}

// markAnywhere returns the first mark form in s wherever it stands, spaces
// inside ignored: the rule for the value of a field that holds the
// classification itself (a 密级 property), where "核心机密" is a mark too.
func markAnywhere(s string) string {
	if strings.IndexFunc(s, unicode.IsSpace) >= 0 {
		s = strings.Map(func(r rune) rune {
			if unicode.IsSpace(r) {
				return -1
			}
			return r
		}, s)
	}
	best, mark := -1, ""
	for _, f := range markForms {
		if i := strings.Index(s, f.form); i >= 0 && (best < 0 || i < best) {
			best, mark = i, f.mark
		}
	}
	return mark
}

// classField reports whether a metadata field named name holds the
// classification itself: a 密级, classification, security level or
// sensitivity (label) property.
func classField(name string) bool {
	n := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '_', '-', '.', '　':
			return -1
		}
		return unicode.ToLower(r)
	}, name)
	for _, k := range []string{"密级", "密級", "保密等级", "保密等級", "classification", "securitylevel", "sensitivity"} {
		if strings.Contains(n, k) {
			return true
		}
	}
	// Microsoft sensitivity labels: MSIP_Label_<guid>_Name.
	return strings.HasPrefix(n, "msiplabel") && strings.HasSuffix(n, "name")
}

// Classified returns the mark found ("秘密", "机密" or "绝密") and where:
// "name" or a metadata field such as "pdf:Title", "docx:core:keywords",
// "docx:custom:密级", "ofd:Title" or "wps:Title"; "" if none. Names and
// free-text values follow MarkIn; a field named as a classification
// field (密级, classification, security level) counts with a mark
// anywhere in its value.
//
// Metadata that cannot be parsed counts as unmarked: the check keeps
// marked documents out by mistake, it does not stop a determined user, who
// could as well rename the file. err is only a failure to read r.
// Everything read is bounded (windows, entry sizes, inflate output), so a
// crafted file costs at most a few tens of MiB of reading.
func Classified(r io.ReaderAt, size int64, name string, ft FileType) (mark, where string, err error) {
	if m := MarkIn(name); m != "" {
		return m, "name", nil
	}
	if size <= 0 {
		return "", "", nil
	}
	h := &markHit{}
	switch ft.Ext {
	case "pdf":
		err = classifyPDF(h, r, size)
	case "docx", "xlsx", "pptx":
		classifyOOXML(h, r, size, ft.Ext)
	case "ofd":
		classifyOFD(h, r, size)
	case "wps":
		classifyCFB(h, r, size, ft.Ext)
	}
	if err != nil {
		return "", "", err
	}
	return h.mark, h.where, nil
}

// markHit keeps the first mark found.
type markHit struct{ mark, where string }

// check looks for a mark in free-text values (MarkIn).
func (h *markHit) check(where string, vals ...string) bool {
	return h.checkField(where, "", vals...)
}

// checkField looks for a mark in the values of the field named field:
// anywhere if it is a classification field, else as MarkIn does.
func (h *markHit) checkField(where, field string, vals ...string) bool {
	if h.mark != "" {
		return true
	}
	find := MarkIn
	if field != "" && classField(field) {
		find = markAnywhere
	}
	for _, v := range vals {
		if m := find(v); m != "" {
			h.mark, h.where = m, where
			return true
		}
	}
	return false
}

func (h *markHit) found() bool { return h.mark != "" }

// Bounds for metadata reading.
const (
	metaEntryLimit   = 1 << 20  // bytes read from one zip entry or PDF stream
	pdfWindow        = 1 << 20  // PDF bytes scanned at each end of the file
	pdfInflateBudget = 16 << 20 // inflated bytes over all PDF streams
	pdfStreamLimit   = 256      // PDF streams inflated
	cfbReadBudget    = 16 << 20 // bytes the compound file reader may read
)

// ---- text decoding ----

// decodeLoose returns the readings of b worth searching for a mark: as
// UTF-8 when valid, and as GB18030 when b has non-ASCII bytes. Producers of
// Chinese documents write either, whatever the format says.
func decodeLoose(b []byte) []string {
	b = bytes.TrimRight(b, "\x00")
	out := make([]string, 0, 2)
	if utf8.Valid(b) {
		out = append(out, string(b))
	}
	for _, c := range b {
		if c >= 0x80 {
			if s, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b); err == nil {
				out = append(out, string(s))
			}
			break
		}
	}
	return out
}

func decodeUTF16(b []byte, order binary.ByteOrder) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = order.Uint16(b[2*i:])
	}
	return strings.TrimRight(string(utf16.Decode(u)), "\x00")
}
