package files

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"

	"github.com/richardlehane/mscfb"
	"golang.org/x/text/encoding/traditionalchinese"
)

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
			if h.checkField(kind+":"+p.label, p.field, p.values...) {
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
	field  string // user-defined property name
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
		var label, field string
		switch {
		case e.id < 2 || e.id >= 0x80000000: // dictionary, code page, locale, behaviour
			continue
		case fmtid == fmtidUserDef:
			field = names[e.id]
			label = "custom:" + field
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
			out = append(out, oleProp{label: label, field: field, values: vals})
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
