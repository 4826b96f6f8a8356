package files

import "strconv"

// ---- PDF tokenizer (objects only; no xref, no streams beyond their dict) ----

type pdfKind uint8

const (
	pdfNone pdfKind = iota
	pdfNull
	pdfBool
	pdfInt
	pdfReal
	pdfString
	pdfName
	pdfArray
	pdfDict
	pdfRef
	pdfKeyword
)

type pdfKV struct {
	key string
	val pdfObj
}

type pdfObj struct {
	kind pdfKind
	num  int64  // pdfInt, pdfRef (object number)
	str  []byte // pdfString (decoded bytes), pdfName (decoded), pdfKeyword
	arr  []pdfObj
	dict []pdfKV
}

func (o pdfObj) get(key string) pdfObj {
	for _, kv := range o.dict {
		if kv.key == key {
			return kv.val
		}
	}
	return pdfObj{}
}

type pdfLex struct {
	b     []byte
	p     int
	steps int // objects read, bounded against pathological input
}

const (
	pdfMaxDepth = 32
	pdfMaxSteps = 1 << 16
)

func pdfSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func pdfDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func (l *pdfLex) skipSpace() {
	for l.p < len(l.b) {
		c := l.b[l.p]
		if pdfSpace(c) {
			l.p++
		} else if c == '%' {
			for l.p < len(l.b) && l.b[l.p] != '\n' && l.b[l.p] != '\r' {
				l.p++
			}
		} else {
			return
		}
	}
}

// object reads the next object; pdfNone at the end, on a closing
// delimiter or on garbage (the caller stops there).
func (l *pdfLex) object(depth int) pdfObj {
	l.steps++
	if depth > pdfMaxDepth || l.steps > pdfMaxSteps {
		l.p = len(l.b)
		return pdfObj{}
	}
	l.skipSpace()
	if l.p >= len(l.b) {
		return pdfObj{}
	}
	c := l.b[l.p]
	switch {
	case c == '<' && l.p+1 < len(l.b) && l.b[l.p+1] == '<':
		return l.dict(depth)
	case c == '[':
		return l.array(depth)
	case c == '(':
		return pdfObj{kind: pdfString, str: l.literal()}
	case c == '<':
		return pdfObj{kind: pdfString, str: l.hex()}
	case c == '/':
		return pdfObj{kind: pdfName, str: l.name()}
	case isDigit(c) || c == '+' || c == '-' || c == '.':
		return l.number()
	case pdfDelim(c):
		return pdfObj{}
	}
	return l.keyword()
}

// dict reads a dictionary from "<<".
func (l *pdfLex) dict(depth int) pdfObj {
	l.p += 2
	d := pdfObj{kind: pdfDict}
	for {
		l.skipSpace()
		if l.p >= len(l.b) {
			return d
		}
		if l.b[l.p] == '>' {
			l.p++
			if l.p < len(l.b) && l.b[l.p] == '>' {
				l.p++
			}
			return d
		}
		k := l.object(depth + 1)
		if k.kind != pdfName {
			// Skip a stray token rather than give up the dictionary.
			if k.kind == pdfNone {
				if l.p < len(l.b) {
					l.p++
				}
				if l.p >= len(l.b) || l.steps > pdfMaxSteps {
					return d
				}
			}
			continue
		}
		v := l.object(depth + 1)
		d.dict = append(d.dict, pdfKV{key: string(k.str), val: v})
	}
}

// array reads an array from "[".
func (l *pdfLex) array(depth int) pdfObj {
	l.p++
	a := pdfObj{kind: pdfArray}
	for {
		l.skipSpace()
		if l.p >= len(l.b) {
			return a
		}
		if l.b[l.p] == ']' {
			l.p++
			return a
		}
		e := l.object(depth + 1)
		if e.kind == pdfNone {
			return a
		}
		a.arr = append(a.arr, e)
	}
}

// keyword reads null, true, false or another bare word ("obj", "R",
// "stream").
func (l *pdfLex) keyword() pdfObj {
	st := l.p
	for l.p < len(l.b) && !pdfSpace(l.b[l.p]) && !pdfDelim(l.b[l.p]) {
		l.p++
	}
	w := l.b[st:l.p]
	switch string(w) {
	case "null":
		return pdfObj{kind: pdfNull}
	case "true", "false":
		return pdfObj{kind: pdfBool}
	}
	return pdfObj{kind: pdfKeyword, str: w}
}

// number reads a number; an integer followed by "G R" is a reference.
func (l *pdfLex) number() pdfObj {
	st := l.p
	l.p++
	for l.p < len(l.b) && (isDigit(l.b[l.p]) || l.b[l.p] == '.') {
		l.p++
	}
	n, err := strconv.ParseInt(string(l.b[st:l.p]), 10, 64)
	if err != nil {
		return pdfObj{kind: pdfReal}
	}
	save := l.p
	l.skipSpace()
	gs := l.p
	for l.p < len(l.b) && isDigit(l.b[l.p]) {
		l.p++
	}
	if l.p > gs {
		l.skipSpace()
		if l.p < len(l.b) && l.b[l.p] == 'R' && (l.p+1 == len(l.b) || pdfSpace(l.b[l.p+1]) || pdfDelim(l.b[l.p+1])) {
			l.p++
			return pdfObj{kind: pdfRef, num: n}
		}
	}
	l.p = save
	return pdfObj{kind: pdfInt, num: n}
}

func (l *pdfLex) literal() []byte {
	l.p++ // (
	var out []byte
	depth := 1
	for l.p < len(l.b) {
		c := l.b[l.p]
		l.p++
		switch c {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return out
			}
		case '\\':
			if l.p >= len(l.b) {
				return out
			}
			e := l.b[l.p]
			l.p++
			switch e {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r': // line continuation
				if l.p < len(l.b) && l.b[l.p] == '\n' {
					l.p++
				}
				continue
			case '\n':
				continue
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for k := 0; k < 2 && l.p < len(l.b) && l.b[l.p] >= '0' && l.b[l.p] <= '7'; k++ {
						v = v*8 + int(l.b[l.p]-'0')
						l.p++
					}
					c = byte(v)
				} else {
					c = e // \( \) \\ and unknown escapes
				}
			}
		}
		out = append(out, c)
	}
	return out
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func (l *pdfLex) hex() []byte {
	l.p++ // <
	var out []byte
	var hi byte
	odd := false
	for l.p < len(l.b) {
		c := l.b[l.p]
		l.p++
		if c == '>' {
			break
		}
		if pdfSpace(c) {
			continue
		}
		v, ok := unhex(c)
		if !ok {
			break
		}
		if odd {
			out = append(out, hi<<4|v)
		} else {
			hi = v
		}
		odd = !odd
	}
	if odd {
		out = append(out, hi<<4)
	}
	return out
}

func (l *pdfLex) name() []byte {
	l.p++ // /
	var out []byte
	for l.p < len(l.b) {
		c := l.b[l.p]
		if pdfSpace(c) || pdfDelim(c) {
			break
		}
		l.p++
		if c == '#' && l.p+1 < len(l.b) {
			h, ok1 := unhex(l.b[l.p])
			lo, ok2 := unhex(l.b[l.p+1])
			if ok1 && ok2 {
				c = h<<4 | lo
				l.p += 2
			}
		}
		out = append(out, c)
	}
	return out
}
