package mailin

import (
	"regexp"
	"strings"
)

// A 发文字号 as people type it: 代字, the year in any bracket pair (GB/T
// 9704 asks for 〔〕), the number, 号 — sometimes with 第 or leading zeros,
// which the canonical form drops.
var docNumber = regexp.MustCompile(`([\p{Han}]{1,10}?[发函字办报复通令告批])\s*[〔\[（(［【〈<]\s*((?:19|20)\d{2})\s*[〕\]）)］】〉>]\s*第?\s*0*(\d{1,6})\s*号`)

// orgSuffixes end the names of issuing organs.
var orgSuffixes = []string{"人民政府办公厅", "人民政府办公室", "人民政府", "办公厅", "办公室", "委员会", "管理局", "局", "厅", "委", "办", "中心", "院", "部"}

// GuessDocNumber finds a 发文字号 (canonical form 代字〔YYYY〕N号) and the
// issuing organ in a subject and body: the organ from a subject of the
// form "X关于…" or else from the signature line above the date at the end.
func GuessDocNumber(subject, body string) (number, org string) {
	for _, s := range []string{subject, body} {
		if m := docNumber.FindStringSubmatch(s); m != nil {
			number = trimVerb(m[1]) + "〔" + m[2] + "〕" + m[3] + "号"
			break
		}
	}
	if i := strings.Index(subject, "关于"); i > 0 {
		if o := organ(strings.TrimSpace(subject[:i])); o != "" {
			return number, o
		}
	}
	return number, signature(body)
}

// organ keeps the tail of s that names an organ ("转发：西城市人民政府" →
// 西城市人民政府), or "".
func organ(s string) string {
	s = strings.TrimSpace(s)
	for _, sep := range []string{"：", ":", "】", "]", " "} {
		if i := strings.LastIndex(s, sep); i >= 0 {
			s = strings.TrimSpace(s[i+len(sep):])
		}
	}
	for _, suf := range orgSuffixes {
		if strings.HasSuffix(s, suf) && len([]rune(s)) <= 30 {
			return s
		}
	}
	return ""
}

var dateLine = regexp.MustCompile(`^\s*(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*$`)

// signature is the organ named on the line above the last date line.
func signature(body string) string {
	lines := strings.Split(body, "\n")
	for i := len(lines) - 1; i > 0 && i >= len(lines)-15; i-- {
		if !dateLine.MatchString(lines[i]) {
			continue
		}
		for j := i - 1; j >= 0 && j >= i-3; j-- {
			if o := organ(lines[j]); o != "" {
				return o
			}
		}
	}
	return ""
}

// trimVerb drops what a sentence puts before a 代字 ("转发西政发…").
func trimVerb(code string) string {
	for _, v := range []string{"关于印发", "关于转发", "印发", "转发", "根据", "按照", "依据", "执行", "落实", "关于", "见"} {
		if rest, ok := strings.CutPrefix(code, v); ok && len([]rune(rest)) >= 2 {
			return rest
		}
	}
	return code
}
