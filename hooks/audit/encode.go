package audit

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/emmansun/gmsm/sm3"
)

// Escape makes s safe to store and show: a log viewer never meets a raw
// CR/LF, control, bidi or line-separator character a user typed, and the
// mapping stays reversible (Unescape). Backslash escapes itself; CR, LF and
// TAB become \r \n \t; other C0 bytes, DEL and bytes of invalid UTF-8
// become \xHH; C1 controls and Unicode format characters become \uHHHH.
func Escape(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// unsafeRune lists the non-ASCII runes that move or hide text in a viewer:
// C1 controls, line/paragraph separators, bidi marks and overrides, BOM.
func unsafeRune(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f,
		r == 0x061c, r == 0x200e, r == 0x200f,
		r >= 0x2028 && r <= 0x202e,
		r >= 0x2066 && r <= 0x2069,
		r == 0xfeff:
		return true
	}
	return false
}

func needsEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c == '\\' || c >= 0x80 {
			if c < 0x80 {
				return true
			}
			r, size := utf8.DecodeRuneInString(s[i:])
			if (r == utf8.RuneError && size == 1) || unsafeRune(r) {
				return true
			}
			i += size - 1
		}
	}
	return false
}

var errEscape = errors.New("audit: malformed escape")

// Unescape reverses Escape.
func Unescape(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 >= len(s) {
			return "", errEscape
		}
		i++
		switch s[i] {
		case '\\':
			b.WriteByte('\\')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'x':
			v, err := strconv.ParseUint(s[i+1:min(i+3, len(s))], 16, 8)
			if err != nil || i+3 > len(s) {
				return "", errEscape
			}
			b.WriteByte(byte(v))
			i += 2
		case 'u':
			v, err := strconv.ParseUint(s[i+1:min(i+5, len(s))], 16, 32)
			if err != nil || i+5 > len(s) {
				return "", errEscape
			}
			b.WriteRune(rune(v))
			i += 4
		default:
			return "", errEscape
		}
	}
	return b.String(), nil
}

// Encode is the canonical form of a row's fields for hashing: each field
// escaped, then prefixed with its byte length ("5:hello;"), so two
// different field lists never encode alike, and the output is printable.
func Encode(fields []string) string {
	var b strings.Builder
	for _, f := range fields {
		e := Escape(f)
		b.WriteString(strconv.Itoa(len(e)))
		b.WriteByte(':')
		b.WriteString(e)
		b.WriteByte(';')
	}
	return b.String()
}

// Decode reverses Encode.
func Decode(s string) ([]string, error) {
	out := []string{}
	for len(s) > 0 {
		colon := strings.IndexByte(s, ':')
		if colon <= 0 {
			return nil, errEscape
		}
		n, err := strconv.Atoi(s[:colon])
		if err != nil || n < 0 || colon+1+n+1 > len(s) || s[colon+1+n] != ';' {
			return nil, errEscape
		}
		f, err := Unescape(s[colon+1 : colon+1+n])
		if err != nil {
			return nil, err
		}
		out = append(out, f)
		s = s[colon+1+n+1:]
	}
	return out, nil
}

// GenesisHash is the prev_hash of the first row ever written.
var GenesisHash = strings.Repeat("0", 64)

// chainHash is SM3 (GB/T 32905) over prev ‖ Encode(fields), in hex.
func chainHash(prev string, fields []string) string {
	h := sm3.New()
	h.Write([]byte(prev))
	h.Write([]byte(Encode(fields)))
	return hex.EncodeToString(h.Sum(nil))
}

// maxJSON bounds a stored before/after snapshot; larger ones are replaced
// by their size and SM3 digest.
const maxJSON = 64 << 10

// safeJSON encodes v compactly with every character that Escape would
// touch written as a JSON \u escape, so the stored text is valid JSON that
// decodes to v and holds no raw control or format character.
func safeJSON(v any) string {
	if v == nil {
		return ""
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return ""
	}
	raw := bytes.TrimRight(buf.Bytes(), "\n")
	if len(raw) > maxJSON {
		sum := sm3.Sum(raw)
		raw, _ = json.Marshal(map[string]any{"truncated": true, "bytes": len(raw), "sm3": hex.EncodeToString(sum[:])})
	}
	// encoding/json already escapes C0 and U+2028/9 (and bad UTF-8 becomes
	// U+FFFD); what is left can only sit inside strings, where \u is valid.
	var b strings.Builder
	for _, r := range string(raw) {
		if r == 0x7f || unsafeRune(r) {
			fmt.Fprintf(&b, `\u%04x`, r)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// clip bounds a free-text field (a typed login name, a detail) in runes.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos] + "…"
		}
		i++
	}
	return s
}
