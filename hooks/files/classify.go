package files

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/richardlehane/mscfb"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// Classification marks (GB/T 9704 密级). Only the name and document
// metadata are checked, never the body: a notice may well say "保守国家秘密".
const (
	MarkSecret    = "秘密"
	MarkConfid    = "机密"
	MarkTopSecret = "绝密"
)

// markForms maps every spelling searched for to its mark; traditional
// forms come from documents drafted on Big5 systems.
var markForms = []struct{ form, mark string }{
	{"秘密", MarkSecret}, {"机密", MarkConfid}, {"绝密", MarkTopSecret},
	{"機密", MarkConfid}, {"絕密", MarkTopSecret},
}

// MarkIn returns the first mark in s ("秘密", "机密" or "绝密"), or "".
// Spaces between the two characters ("机 密", "绝　密") are ignored.
func MarkIn(s string) string {
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

// Classified returns the mark found ("秘密", "机密" or "绝密") and where:
// "name" or a metadata field such as "pdf:Title", "docx:core:keywords",
// "docx:custom:密级", "ofd:Title" or "wps:Title"; "" if none.
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

func (h *markHit) check(where string, vals ...string) bool {
	if h.mark != "" {
		return true
	}
	for _, v := range vals {
		if m := MarkIn(v); m != "" {
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

// ---- PDF ----

// classifyPDF looks at the Info dictionaries (every revision: an
// incremental update leaves the old title in the file) and XMP packets in
// the first and last pdfWindow bytes, including Info dictionaries and
// metadata streams inside compressed object streams. Encrypted PDFs keep
// their Info strings encrypted and are not read.
func classifyPDF(h *markHit, r io.ReaderAt, size int64) error {
	s := &pdfScan{objs: map[int64][][]byte{}}
	head := min(size, pdfWindow)
	b := make([]byte, head)
	if _, err := r.ReadAt(b, 0); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("files: read pdf: %w", err)
	}
	wins := [][]byte{b}
	if size > head {
		start := max(head, size-pdfWindow)
		t := make([]byte, size-start)
		if _, err := r.ReadAt(t, start); err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("files: read pdf: %w", err)
		}
		wins = append(wins, t)
	}
	for _, w := range wins {
		s.indexObjects(w)
		s.findInfo(w)
		s.findXMP(w)
	}
	s.expandStreams()
	seen := map[int64]bool{}
	for _, n := range s.infoRefs {
		if seen[n] {
			continue
		}
		seen[n] = true
		for _, body := range s.objs[n] {
			lx := &pdfLex{b: body}
			if o := lx.object(0); o.kind == pdfDict {
				s.checkInfo(h, o)
			}
			if h.found() {
				return nil
			}
		}
	}
	for _, d := range s.inlineInfo {
		if s.checkInfo(h, d) {
			return nil
		}
	}
	for _, x := range s.xmp {
		if checkXMP(h, x) {
			return nil
		}
	}
	return nil
}

type pdfScan struct {
	objs       map[int64][][]byte // object number → bodies (after "obj"), every revision
	order      []int64            // object numbers in the order first seen
	infoRefs   []int64
	inlineInfo []pdfObj
	xmp        [][]byte
	inflated   int
	streams    int
}

func (s *pdfScan) addObj(n int64, body []byte) {
	if _, ok := s.objs[n]; !ok {
		s.order = append(s.order, n)
	}
	s.objs[n] = append(s.objs[n], body)
}

// indexObjects finds "N G obj" in w.
func (s *pdfScan) indexObjects(w []byte) {
	for p := 0; ; {
		i := bytes.Index(w[p:], []byte("obj"))
		if i < 0 {
			return
		}
		i += p
		p = i + 3
		if i == 0 || !pdfSpace(w[i-1]) || (p < len(w) && !pdfDelim(w[p]) && !pdfSpace(w[p])) {
			continue
		}
		j := i - 1
		for j >= 0 && pdfSpace(w[j]) {
			j--
		}
		g := j
		for j >= 0 && isDigit(w[j]) {
			j--
		}
		if j == g || j < 0 || !pdfSpace(w[j]) {
			continue
		}
		for j >= 0 && pdfSpace(w[j]) {
			j--
		}
		e := j
		for j >= 0 && isDigit(w[j]) {
			j--
		}
		if j == e || (j >= 0 && !pdfSpace(w[j]) && !pdfDelim(w[j])) {
			continue
		}
		n, err := strconv.ParseInt(string(w[j+1:e+1]), 10, 64)
		if err != nil {
			continue
		}
		s.addObj(n, w[p:])
	}
}

// findInfo collects the targets of "/Info N G R" (trailers and xref
// stream dictionaries) and inline "/Info << … >>".
func (s *pdfScan) findInfo(w []byte) {
	for p := 0; ; {
		i := bytes.Index(w[p:], []byte("/Info"))
		if i < 0 {
			return
		}
		p += i + 5
		if p < len(w) && !pdfDelim(w[p]) && !pdfSpace(w[p]) {
			continue
		}
		lx := &pdfLex{b: w[p:]}
		switch o := lx.object(0); o.kind {
		case pdfRef:
			s.infoRefs = append(s.infoRefs, o.num)
		case pdfDict:
			s.inlineInfo = append(s.inlineInfo, o)
		}
	}
}

// findXMP collects uncompressed XMP packets.
func (s *pdfScan) findXMP(w []byte) {
	for p := 0; ; {
		i := bytes.Index(w[p:], []byte("<x:xmpmeta"))
		if i < 0 {
			return
		}
		i += p
		end := len(w)
		if j := bytes.Index(w[i:], []byte("</x:xmpmeta>")); j >= 0 {
			end = i + j + len("</x:xmpmeta>")
		}
		s.xmp = append(s.xmp, w[i:min(end, i+metaEntryLimit)])
		p = end
	}
}

// expandStreams inflates object streams (which may hold the Info
// dictionary) and metadata streams.
func (s *pdfScan) expandStreams() {
	// Object streams add objects; their bodies are not streams, so one
	// pass over the objects seen so far is enough.
	order := s.order
	for _, n := range order {
		for _, body := range s.objs[n] {
			if s.streams >= pdfStreamLimit || s.inflated >= pdfInflateBudget {
				return
			}
			lx := &pdfLex{b: body}
			d := lx.object(0)
			if d.kind != pdfDict {
				continue
			}
			typ, sub := d.get("Type"), d.get("Subtype")
			isObjStm := typ.kind == pdfName && string(typ.str) == "ObjStm"
			isXMP := (typ.kind == pdfName && string(typ.str) == "Metadata") || (sub.kind == pdfName && string(sub.str) == "XML")
			if !isObjStm && !isXMP {
				continue
			}
			data, ok := s.streamData(d, lx)
			if !ok {
				continue
			}
			if isXMP {
				s.xmp = append(s.xmp, data)
				continue
			}
			s.objStm(d, data)
		}
	}
}

// streamData returns the decoded data of the stream whose dictionary d
// was just read by lx.
func (s *pdfScan) streamData(d pdfObj, lx *pdfLex) ([]byte, bool) {
	if kw := lx.object(0); kw.kind != pdfKeyword || string(kw.str) != "stream" {
		return nil, false
	}
	b := lx.b[lx.p:]
	if bytes.HasPrefix(b, []byte("\r\n")) {
		b = b[2:]
	} else if len(b) > 0 && (b[0] == '\n' || b[0] == '\r') {
		b = b[1:]
	}
	if l := d.get("Length"); l.kind == pdfInt && l.num >= 0 && l.num <= int64(len(b)) {
		b = b[:l.num]
	} else if i := bytes.Index(b, []byte("endstream")); i >= 0 {
		b = bytes.TrimRight(b[:i], "\r\n")
	}
	var filters []string
	switch f := d.get("Filter"); f.kind {
	case pdfName:
		filters = append(filters, string(f.str))
	case pdfArray:
		for _, e := range f.arr {
			filters = append(filters, string(e.str))
		}
	}
	switch {
	case len(filters) == 0:
		return b[:min(len(b), metaEntryLimit)], true
	case len(filters) == 1 && (filters[0] == "FlateDecode" || filters[0] == "Fl"):
		if p := d.get("DecodeParms"); p.kind != pdfNone && p.kind != pdfNull {
			return nil, false // predictors are for images and xref streams
		}
		s.streams++
		zr, err := zlib.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, false
		}
		// A truncated or corrupt stream still yields what came before.
		out, _ := io.ReadAll(io.LimitReader(zr, int64(min(metaEntryLimit, pdfInflateBudget-s.inflated))))
		s.inflated += len(out)
		return out, len(out) > 0
	}
	return nil, false
}

// objStm indexes the objects of an object stream.
func (s *pdfScan) objStm(d pdfObj, data []byte) {
	n, first := d.get("N"), d.get("First")
	if n.kind != pdfInt || first.kind != pdfInt || first.num < 0 || first.num > int64(len(data)) {
		return
	}
	lx := &pdfLex{b: data[:first.num]}
	for i := int64(0); i < min(n.num, 10000); i++ {
		num, off := lx.object(0), lx.object(0)
		if num.kind != pdfInt || off.kind != pdfInt || off.num < 0 || first.num+off.num > int64(len(data)) {
			return
		}
		s.addObj(num.num, data[first.num+off.num:])
	}
}

// checkInfo checks every text value of an Info dictionary: Title,
// Subject, Keywords and custom keys alike (Author and Producer never hold a
// mark by accident, so there is no need to skip them).
func (s *pdfScan) checkInfo(h *markHit, d pdfObj) bool {
	for _, kv := range d.dict {
		v := kv.val
		if v.kind == pdfRef {
			for _, body := range s.objs[v.num] {
				lx := &pdfLex{b: body}
				if o := lx.object(0); o.kind == pdfString {
					v = o
					break
				}
			}
		}
		var texts []string
		collectPDFText(v, &texts, 0)
		if h.check("pdf:"+kv.key, texts...) {
			return true
		}
	}
	return false
}

func collectPDFText(o pdfObj, out *[]string, depth int) {
	switch o.kind {
	case pdfString:
		*out = append(*out, pdfText(o.str)...)
	case pdfName:
		*out = append(*out, string(o.str))
	case pdfArray:
		if depth < 4 {
			for _, e := range o.arr {
				collectPDFText(e, out, depth+1)
			}
		}
	}
}

// pdfText decodes a PDF text string. UTF-16BE with a BOM and UTF-8 with a
// BOM (PDF 2.0) are exact; anything else is PDFDocEncoding, which has no
// CJK characters, so a mark there can only be raw UTF-8 or GBK bytes
// written by a non-conforming producer: those readings are tried.
func pdfText(b []byte) []string {
	switch {
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		return []string{decodeUTF16(b[2:], binary.BigEndian)}
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		return []string{decodeUTF16(b[2:], binary.LittleEndian)}
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		return []string{string(b[3:])}
	}
	return decodeLoose(b)
}

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
	case c == '[':
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
	default:
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

// ---- XMP ----

const (
	nsDC  = "http://purl.org/dc/elements/1.1/"
	nsPDF = "http://ns.adobe.com/pdf/1.3/"
)

// checkXMP looks at dc:title, dc:subject and pdf:Keywords (element or
// attribute form) of an XMP packet.
func checkXMP(h *markHit, packet []byte) bool {
	field := func(n xml.Name) string {
		switch {
		case (n.Space == nsDC || n.Space == "dc") && (n.Local == "title" || n.Local == "subject"):
			return "pdf:xmp:dc:" + n.Local
		case (n.Space == nsPDF || n.Space == "pdf") && n.Local == "Keywords":
			return "pdf:xmp:pdf:Keywords"
		}
		return ""
	}
	d := xml.NewDecoder(bytes.NewReader(packet))
	d.Strict = false
	var cur string
	var depth int // depth inside cur
	var text strings.Builder
	for {
		tok, err := d.Token()
		if err != nil {
			return false
		}
		switch t := tok.(type) {
		case xml.StartElement:
			for _, a := range t.Attr {
				if f := field(a.Name); f != "" && h.check(f, a.Value) {
					return true
				}
			}
			if cur != "" {
				depth++
			} else if f := field(t.Name); f != "" {
				cur, depth = f, 0
				text.Reset()
			}
		case xml.EndElement:
			if cur == "" {
				break
			}
			if depth > 0 {
				depth--
				text.WriteByte(' ')
				break
			}
			if h.check(cur, text.String()) {
				return true
			}
			cur = ""
		case xml.CharData:
			if cur != "" && text.Len() < metaEntryLimit {
				text.Write(t)
			}
		}
	}
}

// ---- OOXML ----

// classifyOOXML checks docProps/core.xml and docProps/custom.xml (or
// wherever _rels/.rels puts them).
func classifyOOXML(h *markHit, r io.ReaderAt, size int64, kind string) {
	zr, err := zip.NewReader(r, size)
	if err != nil && zr == nil {
		return
	}
	core, custom := "docprops/core.xml", "docprops/custom.xml"
	for _, f := range zipFind(zr, "_rels/.rels") {
		for _, rel := range parseRels(readZipEntry(f)) {
			switch {
			case strings.HasSuffix(rel.typ, "/metadata/core-properties"):
				core = rel.target
			case strings.HasSuffix(rel.typ, "/custom-properties"):
				custom = rel.target
			}
		}
	}
	for _, f := range zipFind(zr, core) {
		if checkCoreXML(h, readZipEntry(f), kind) {
			return
		}
	}
	for _, f := range zipFind(zr, custom) {
		if checkCustomXML(h, readZipEntry(f), kind) {
			return
		}
	}
}

// zipFind returns the entries named name, compared case-insensitively as
// OPC part names are; duplicates are all returned.
func zipFind(zr *zip.Reader, name string) []*zip.File {
	var out []*zip.File
	for _, f := range zr.File {
		if strings.EqualFold(f.Name, name) {
			out = append(out, f)
		}
	}
	return out
}

// readZipEntry reads at most metaEntryLimit bytes of f; a zip bomb costs
// no more than that. Errors leave what was read.
func readZipEntry(f *zip.File) []byte {
	rc, err := f.Open()
	if err != nil {
		return nil
	}
	defer rc.Close()
	b, _ := io.ReadAll(io.LimitReader(rc, metaEntryLimit))
	return b
}

type opcRel struct{ typ, target string }

func parseRels(b []byte) []opcRel {
	var out []opcRel
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = false
	for len(out) < 1000 {
		tok, err := d.Token()
		if err != nil {
			break
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "Relationship" {
			continue
		}
		var rel opcRel
		external := false
		for _, a := range se.Attr {
			switch a.Name.Local {
			case "Type":
				rel.typ = a.Value
			case "Target":
				rel.target = a.Value
			case "TargetMode":
				external = strings.EqualFold(a.Value, "External")
			}
		}
		if !external && rel.target != "" {
			// Package-relative: "/docProps/core.xml" or "docProps/core.xml".
			rel.target = strings.TrimPrefix(path.Clean("/"+rel.target), "/")
			out = append(out, rel)
		}
	}
	return out
}

// coreFields are the core properties that may carry a mark.
var coreFields = map[string]bool{
	"title": true, "subject": true, "keywords": true, "category": true,
	"description": true, "contentstatus": true,
}

// checkCoreXML checks the text of top-level core properties.
func checkCoreXML(h *markHit, b []byte, kind string) bool {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = false
	var cur string
	var text strings.Builder
	level := 0
	for {
		tok, err := d.Token()
		if err != nil {
			return false
		}
		switch t := tok.(type) {
		case xml.StartElement:
			level++
			if level == 2 && coreFields[strings.ToLower(t.Name.Local)] {
				cur = strings.ToLower(t.Name.Local)
				text.Reset()
			}
		case xml.EndElement:
			if level == 2 && cur != "" {
				if h.check(kind+":core:"+cur, text.String()) {
					return true
				}
				cur = ""
			}
			level--
		case xml.CharData:
			if cur != "" && text.Len() < metaEntryLimit {
				text.Write(t)
			}
		}
	}
}

// checkCustomXML checks every custom property's value: a 密级 or
// classification property, or a sensitivity label, holding a mark.
func checkCustomXML(h *markHit, b []byte, kind string) bool {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = false
	var name string
	in := false
	var text strings.Builder
	for {
		tok, err := d.Token()
		if err != nil {
			return false
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local == "property" {
				in, name = true, ""
				text.Reset()
				for _, a := range t.Attr {
					if a.Name.Local == "name" {
						name = a.Value
					}
				}
			} else if in {
				text.WriteByte(' ')
			}
		case xml.EndElement:
			if t.Name.Local == "property" && in {
				in = false
				if h.check(kind+":custom:"+name, text.String()) {
					return true
				}
			}
		case xml.CharData:
			if in && text.Len() < metaEntryLimit {
				text.Write(t)
			}
		}
	}
}

// ---- OFD (GB/T 33190) ----

// classifyOFD checks DocInfo in OFD.xml: Title, Subject, Keywords,
// Abstract and CustomData.
func classifyOFD(h *markHit, r io.ReaderAt, size int64) {
	zr, err := zip.NewReader(r, size)
	if err != nil && zr == nil {
		return
	}
	for _, f := range zipFind(zr, "OFD.xml") {
		if checkOFDXML(h, readZipEntry(f)) {
			return
		}
	}
}

var ofdFields = map[string]bool{"Title": true, "Subject": true, "Keywords": true, "Abstract": true, "CustomData": true}

func checkOFDXML(h *markHit, b []byte) bool {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = false
	inInfo := 0 // depth inside DocInfo, 0 outside
	var cur string
	var curDepth int
	var text strings.Builder
	for {
		tok, err := d.Token()
		if err != nil {
			return false
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if inInfo == 0 {
				if t.Name.Local == "DocInfo" {
					inInfo = 1
				}
				break
			}
			inInfo++
			if cur == "" && ofdFields[t.Name.Local] {
				cur, curDepth = t.Name.Local, inInfo
				text.Reset()
				if cur == "CustomData" {
					for _, a := range t.Attr {
						if a.Name.Local == "Name" {
							cur += ":" + a.Value
						}
					}
				}
			} else if cur != "" {
				text.WriteByte(' ')
			}
		case xml.EndElement:
			if inInfo == 0 {
				break
			}
			if cur != "" && inInfo == curDepth {
				if h.check("ofd:"+cur, text.String()) {
					return true
				}
				cur = ""
			}
			inInfo--
		case xml.CharData:
			if cur != "" && text.Len() < metaEntryLimit {
				text.Write(t)
			}
		}
	}
}

// ---- WPS / OLE compound file ----

// budgetReaderAt fails once more than left bytes have been asked for, so
// a crafted sector chain cannot make the compound file reader walk a huge
// file.
type budgetReaderAt struct {
	r    io.ReaderAt
	left int64
}

var errBudget = errors.New("files: read budget exhausted")

func (b *budgetReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if int64(len(p)) > b.left {
		return 0, errBudget
	}
	b.left -= int64(len(p))
	return b.r.ReadAt(p, off)
}

// classifyCFB checks the SummaryInformation and DocumentSummaryInformation
// property sets at the root of a compound file. The property sets are
// parsed here rather than with msoleps, which sizes vectors from
// unchecked counts and panics on strings without a terminating NUL.
func classifyCFB(h *markHit, r io.ReaderAt, size int64, kind string) {
	defer func() {
		// mscfb is not ours; a panic on a crafted file must not take the
		// upload handler down. A panic means "no (more) metadata".
		_ = recover()
	}()
	doc, err := mscfb.New(&budgetReaderAt{r: io.NewSectionReader(r, 0, size), left: cfbReadBudget})
	if err != nil {
		return
	}
	for entry, err := doc.Next(); err == nil; entry, err = doc.Next() {
		if entry.Initial != 5 || len(entry.Path) != 0 {
			continue
		}
		if entry.Name != "SummaryInformation" && entry.Name != "DocumentSummaryInformation" {
			continue
		}
		b, _ := io.ReadAll(io.LimitReader(entry, 256<<10))
		for _, p := range oleProperties(b) {
			if h.check(kind+":"+p.label, p.values...) {
				return
			}
		}
	}
}

var (
	fmtidSummary    = [16]byte{0xE0, 0x85, 0x9F, 0xF2, 0xF9, 0x4F, 0x68, 0x10, 0xAB, 0x91, 0x08, 0x00, 0x2B, 0x27, 0xB3, 0xD9}
	fmtidDocSummary = [16]byte{0x02, 0xD5, 0xCD, 0xD5, 0x9C, 0x2E, 0x1B, 0x10, 0x93, 0x97, 0x08, 0x00, 0x2B, 0x2C, 0xF9, 0xAE}
	fmtidUserDef    = [16]byte{0x05, 0xD5, 0xCD, 0xD5, 0x9C, 0x2E, 0x1B, 0x10, 0x93, 0x97, 0x08, 0x00, 0x2B, 0x2C, 0xF9, 0xAE}
)

// oleLabels are the properties that may carry a mark, by property set.
var oleLabels = map[[16]byte]map[uint32]string{
	fmtidSummary:    {2: "Title", 3: "Subject", 5: "Keywords", 6: "Comments"},
	fmtidDocSummary: {2: "Category", 0x1B: "ContentStatus"},
}

type oleProp struct {
	label  string
	values []string
}

// oleProperties reads a property set stream (MS-OLEPS): the text values
// of oleLabels and of every user-defined property.
func oleProperties(b []byte) []oleProp {
	if len(b) < 28 || binary.LittleEndian.Uint16(b) != 0xFFFE {
		return nil
	}
	n := int(binary.LittleEndian.Uint32(b[24:]))
	var out []oleProp
	for i := 0; i < min(n, 4); i++ {
		at := 28 + 20*i
		if at+20 > len(b) {
			break
		}
		var id [16]byte
		copy(id[:], b[at:])
		off := binary.LittleEndian.Uint32(b[at+16:])
		if int64(off) >= int64(len(b)) {
			continue
		}
		out = append(out, oleSection(b[off:], id)...)
	}
	return out
}

func oleSection(sec []byte, fmtid [16]byte) []oleProp {
	if len(sec) < 8 {
		return nil
	}
	if sz := binary.LittleEndian.Uint32(sec); int64(sz) < int64(len(sec)) {
		sec = sec[:sz]
	}
	if len(sec) < 8 {
		return nil
	}
	n := int(min(binary.LittleEndian.Uint32(sec[4:]), uint32((len(sec)-8)/8)))
	type idOff struct{ id, off uint32 }
	ids := make([]idOff, 0, n)
	var cp uint16
	var dictOff uint32
	for i := range n {
		e := idOff{binary.LittleEndian.Uint32(sec[8+8*i:]), binary.LittleEndian.Uint32(sec[12+8*i:])}
		ids = append(ids, e)
		switch e.id {
		case 0:
			dictOff = e.off
		case 1:
			if int64(e.off)+6 <= int64(len(sec)) && binary.LittleEndian.Uint16(sec[e.off:]) == 2 { // VT_I2
				cp = binary.LittleEndian.Uint16(sec[e.off+4:])
			}
		}
	}
	labels := oleLabels[fmtid]
	var names map[uint32]string
	if fmtid == fmtidUserDef && dictOff > 0 && int64(dictOff) < int64(len(sec)) {
		names = oleDictionary(sec[dictOff:], cp)
	}
	var out []oleProp
	for _, e := range ids {
		var label string
		switch {
		case e.id < 2 || e.id >= 0x80000000: // dictionary, code page, locale, behaviour
			continue
		case fmtid == fmtidUserDef:
			label = "custom:" + names[e.id]
		case labels[e.id] != "":
			label = labels[e.id]
		default:
			continue
		}
		if int64(e.off) >= int64(len(sec)) {
			continue
		}
		vals, _ := oleValue(sec[e.off:], cp, 0)
		if len(vals) > 0 {
			out = append(out, oleProp{label: label, values: vals})
		}
	}
	return out
}

// oleDictionary reads the names of user-defined properties.
func oleDictionary(b []byte, cp uint16) map[uint32]string {
	if len(b) < 4 {
		return nil
	}
	n := min(binary.LittleEndian.Uint32(b), 1024)
	names := make(map[uint32]string, n)
	p := 4
	for range n {
		if p+8 > len(b) {
			break
		}
		id, l := binary.LittleEndian.Uint32(b[p:]), int(min(binary.LittleEndian.Uint32(b[p+4:]), 4096))
		p += 8
		if cp == 1200 {
			if p+2*l > len(b) {
				break
			}
			names[id] = decodeUTF16(b[p:p+2*l], binary.LittleEndian)
			p += 2*l + (4-(2*l)%4)%4
		} else {
			if p+l > len(b) {
				break
			}
			if s := decodeCodePage(b[p:p+l], cp); len(s) > 0 {
				names[id] = s[0]
			}
			p += l
		}
	}
	return names
}

// oleValue returns the text of a typed property value and its length.
// Only strings and vectors of strings or variants are read.
func oleValue(b []byte, cp uint16, depth int) ([]string, int) {
	if len(b) < 8 {
		return nil, len(b)
	}
	vt := binary.LittleEndian.Uint16(b)
	pad4 := func(n int) int { return n + (4-n%4)%4 }
	one := func(b []byte, vt uint16) ([]string, int) {
		if len(b) < 4 {
			return nil, len(b)
		}
		l := int64(binary.LittleEndian.Uint32(b))
		switch vt {
		case 0x1E, 0x08: // VT_LPSTR, VT_BSTR: code page string
			if 4+l > int64(len(b)) {
				return nil, len(b)
			}
			return decodeCodePage(b[4:4+l], cp), pad4(4 + int(l))
		case 0x1F: // VT_LPWSTR
			if 4+2*l > int64(len(b)) {
				return nil, len(b)
			}
			return []string{decodeUTF16(b[4:4+2*l], binary.LittleEndian)}, pad4(4 + 2*int(l))
		}
		return nil, len(b)
	}
	switch vt {
	case 0x1E, 0x08, 0x1F:
		s, n := one(b[4:], vt)
		return s, 4 + n
	case 0x101E, 0x101F, 0x100C: // vectors of strings or variants
		if depth > 0 {
			return nil, len(b)
		}
		count := min(binary.LittleEndian.Uint32(b[4:]), 256)
		var out []string
		p := 8
		for range count {
			if p >= len(b) {
				break
			}
			var s []string
			var n int
			if vt == 0x100C {
				s, n = oleValue(b[p:], cp, depth+1)
			} else {
				s, n = one(b[p:], vt&0xFF)
			}
			out = append(out, s...)
			p += n
		}
		return out, p
	}
	return nil, len(b)
}

// decodeCodePage decodes a property string in the property set's code
// page, with the loose readings as a fallback for mislabeled sets.
func decodeCodePage(b []byte, cp uint16) []string {
	switch cp {
	case 1200:
		return []string{decodeUTF16(b[:len(b)&^1], binary.LittleEndian)}
	case 950:
		if s, err := traditionalchinese.Big5.NewDecoder().Bytes(bytes.TrimRight(b, "\x00")); err == nil {
			return append([]string{string(s)}, decodeLoose(b)...)
		}
	}
	return decodeLoose(b)
}
