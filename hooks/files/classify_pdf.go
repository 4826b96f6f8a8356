package files

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ---- PDF ----

// classifyPDF looks at the Info dictionaries (every revision: an
// incremental update leaves the old title in the file) and XMP packets in
// the first and last pdfWindow bytes, including Info dictionaries and
// metadata streams inside compressed object streams. Encrypted PDFs keep
// their Info strings encrypted and are not read.
func classifyPDF(h *markHit, r io.ReaderAt, size int64) error {
	s := &pdfScan{objs: map[int64][][]byte{}}
	head := min(size, pdfWindow)
	b, err := window(r, 0, head)
	if err != nil {
		return fmt.Errorf("files: read pdf: %w", err)
	}
	wins := [][]byte{b}
	if size > head {
		start := max(head, size-pdfWindow)
		t, err := window(r, start, size-start)
		if err != nil {
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
		if h.checkField("pdf:"+kv.key, kv.key, texts...) {
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
