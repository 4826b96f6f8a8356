package mailin

import (
	"io"
	"mime"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/charset"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// Chinese mail arrives in every shape: RFC 2047 words in any charset,
// RFC 2231 parameters (filename*=GBK''%C4%BF…, split into filename*0*,
// filename*1*…), and headers in raw GBK bytes from older clients. The
// standard library decodes RFC 2231 only for UTF-8 and ASCII, so the
// parameters are read here.

var wordDecoder = &mime.WordDecoder{CharsetReader: charset.Reader}

// gbText decodes bytes that are not UTF-8 as GB18030 (a superset of GBK
// and GB2312).
func gbText(b []byte) string {
	s, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return string(s)
}

// decodeWords decodes RFC 2047 encoded words; raw 8-bit text that is not
// UTF-8 is taken as GB18030.
func decodeWords(raw string) string {
	if !utf8.ValidString(raw) {
		raw = gbText([]byte(raw))
	}
	if s, err := wordDecoder.DecodeHeader(raw); err == nil {
		return s
	}
	return raw
}

// headerText is a header field's decoded text.
func headerText(h message.Header, key string) string {
	return decodeWords(h.Get(key))
}

// cleanLine folds a header value to one line without control characters.
func cleanLine(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return ' '
		case unicode.IsControl(r) || r == '\uFFFD':
			return -1
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// attachmentName is the file name of a part: the Content-Disposition
// filename first, then the Content-Type name, RFC 2231 forms preferred.
func attachmentName(h message.Header) string {
	for _, f := range []struct{ key, param string }{{"Content-Disposition", "filename"}, {"Content-Type", "name"}} {
		if n := paramValue(h.Get(f.key), f.param); n != "" {
			return cleanName(n)
		}
	}
	return ""
}

// paramValue finds parameter name of a header value, in its RFC 2231 form
// (name*, name*0, name*0*, …) or plain (possibly RFC 2047 or raw GBK).
func paramValue(value, name string) string {
	params := splitParams(value)
	name = strings.ToLower(name)
	if v, ok := params[name+"*"]; ok {
		return decode2231(v, true)
	}
	var parts []struct {
		n   int
		v   string
		enc bool
	}
	for k, v := range params {
		rest, ok := strings.CutPrefix(k, name+"*")
		if !ok {
			continue
		}
		enc := strings.HasSuffix(rest, "*")
		n, err := strconv.Atoi(strings.TrimSuffix(rest, "*"))
		if err != nil {
			continue
		}
		parts = append(parts, struct {
			n   int
			v   string
			enc bool
		}{n, v, enc})
	}
	if len(parts) > 0 {
		sort.Slice(parts, func(i, j int) bool { return parts[i].n < parts[j].n })
		var cs string
		var buf []byte
		for i, p := range parts {
			v := p.v
			if i == 0 && p.enc {
				if c, rest, ok := cut2231(v); ok {
					cs, v = c, rest
				}
			}
			if p.enc {
				if u, err := url.PathUnescape(strings.ReplaceAll(v, "+", "%2B")); err == nil {
					v = u
				}
			}
			buf = append(buf, v...)
		}
		return inCharset(cs, buf)
	}
	if v, ok := params[name]; ok {
		return decodeWords(v)
	}
	return ""
}

// cut2231 splits charset'language'text.
func cut2231(v string) (cs, rest string, ok bool) {
	i := strings.IndexByte(v, '\'')
	if i < 0 {
		return "", v, false
	}
	j := strings.IndexByte(v[i+1:], '\'')
	if j < 0 {
		return "", v, false
	}
	return v[:i], v[i+1+j+1:], true
}

// decode2231 decodes a single charset'lang'%XX value.
func decode2231(v string, extended bool) string {
	cs, rest, ok := cut2231(v)
	if !ok || !extended {
		return decodeWords(v)
	}
	b, err := url.PathUnescape(strings.ReplaceAll(rest, "+", "%2B"))
	if err != nil {
		b = rest
	}
	return inCharset(cs, []byte(b))
}

// inCharset converts bytes in charset cs to UTF-8 (unknown: as if GB18030
// when not UTF-8).
func inCharset(cs string, b []byte) string {
	cs = strings.ToLower(strings.TrimSpace(cs))
	if cs != "" && cs != "utf-8" && cs != "us-ascii" {
		if r, err := charset.Reader(cs, strings.NewReader(string(b))); err == nil {
			if out, err := io.ReadAll(r); err == nil {
				return string(out)
			}
		}
	}
	if utf8.Valid(b) {
		return string(b)
	}
	return gbText(b)
}

// splitParams reads the parameters of a header value without decoding
// them: keys lower-cased, quotes removed. Unlike mime.ParseMediaType it
// keeps going past a malformed parameter.
func splitParams(v string) map[string]string {
	out := map[string]string{}
	i := strings.IndexByte(v, ';')
	if i < 0 {
		return out
	}
	s := v[i+1:]
	for len(s) > 0 {
		s = strings.TrimLeft(s, " \t\r\n;")
		eq := strings.IndexByte(s, '=')
		if eq < 0 {
			break
		}
		key := strings.ToLower(strings.TrimSpace(s[:eq]))
		s = strings.TrimLeft(s[eq+1:], " \t")
		var val string
		if strings.HasPrefix(s, `"`) {
			var b strings.Builder
			j := 1
			for ; j < len(s) && s[j] != '"'; j++ {
				if s[j] == '\\' && j+1 < len(s) {
					j++
				}
				b.WriteByte(s[j])
			}
			val, s = b.String(), s[min(j+1, len(s)):]
		} else {
			end := strings.IndexByte(s, ';')
			if end < 0 {
				end = len(s)
			}
			val, s = strings.TrimSpace(s[:end]), s[end:]
		}
		if key != "" {
			out[key] = val
		}
	}
	return out
}

// cleanName makes a decoded file name safe to store and show: no
// directories, no control characters, at most 200 runes, never empty.
func cleanName(n string) string {
	n = strings.ReplaceAll(n, "\\", "/")
	n = path.Base(cleanLine(n))
	n = strings.TrimLeft(n, ". ")
	if n == "" || n == "/" {
		return ""
	}
	if rs := []rune(n); len(rs) > 200 {
		ext := path.Ext(n)
		if len([]rune(ext)) > 20 {
			ext = ""
		}
		n = string(rs[:200-len([]rune(ext))]) + ext
	}
	return n
}
