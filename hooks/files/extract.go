package files

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/ledongthuc/pdf"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// Text extraction for search: the words of an attachment, so that a search
// finds a case, notice, document or course by what its files say. PDF
// through github.com/ledongthuc/pdf (the maintained fork of rsc.io/pdf,
// which reads the pages' text with their ToUnicode maps), XLSX through
// excelize; DOCX, PPTX and OFD are zip files of XML whose text elements are
// read here (no maintained Go library reads OFD); plain text is UTF-8 or
// GB18030. Every reader is bounded: the text kept, the bytes inflated
// from a zip, the pages and cells visited.

const (
	// MaxTextRunes is the most text kept of one file.
	MaxTextRunes = 100_000
	// maxInflate bounds what is read out of a zip (a zip bomb stops here).
	maxInflate  = 32 << 20
	maxPDFPages = 500
	maxCells    = 200_000
)

// ErrNoText: the file's type holds no text we read (images, archives,
// old binary Office formats).
var ErrNoText = errors.New("files: no text to extract from this type")

// textBuf gathers text up to MaxTextRunes.
type textBuf struct {
	b     strings.Builder
	runes int
}

func (t *textBuf) full() bool { return t.runes >= MaxTextRunes }

func (t *textBuf) add(s string) {
	if t.full() {
		return
	}
	s = strings.ToValidUTF8(s, "")
	if n := utf8.RuneCountInString(s); t.runes+n > MaxTextRunes {
		rs := []rune(s)
		s = string(rs[:MaxTextRunes-t.runes])
	}
	t.b.WriteString(s)
	t.runes += utf8.RuneCountInString(s)
}

func (t *textBuf) sep() {
	if t.b.Len() > 0 && !t.full() {
		t.add("\n")
	}
}

// HasText says whether files of type ext hold text ExtractText reads.
func HasText(ext string) bool {
	switch ext {
	case "txt", "pdf", "docx", "pptx", "ofd", "xlsx":
		return true
	}
	return false
}

// ExtractText is the text of a file of type ext (as Detect named it), at
// most MaxTextRunes runes.
func ExtractText(r io.ReaderAt, size int64, ext string) (text string, err error) {
	defer func() {
		// a malformed file must not take the worker down
		if p := recover(); p != nil {
			text, err = "", fmt.Errorf("files: extract %s: %v", ext, p)
		}
	}()
	var t textBuf
	switch ext {
	case "txt":
		err = plainText(&t, r, size)
	case "pdf":
		err = pdfPages(&t, r, size)
	case "docx":
		err = zipXMLText(&t, r, size, func(name string) bool {
			return name == "word/document.xml" || strings.HasPrefix(name, "word/header") || strings.HasPrefix(name, "word/footer") ||
				name == "word/footnotes.xml"
		}, map[string]bool{"t": true}, map[string]bool{"p": true, "br": true, "tab": true})
	case "pptx":
		err = zipXMLText(&t, r, size, func(name string) bool {
			return strings.HasPrefix(name, "ppt/slides/slide") && strings.HasSuffix(name, ".xml")
		}, map[string]bool{"t": true}, map[string]bool{"p": true})
	case "ofd":
		err = zipXMLText(&t, r, size, func(name string) bool {
			return strings.Contains(name, "/Pages/") && strings.HasSuffix(name, "Content.xml")
		}, map[string]bool{"TextCode": true}, map[string]bool{"TextObject": true})
	case "xlsx":
		err = sheetText(&t, r, size)
	default:
		return "", ErrNoText
	}
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(t.b.String()), nil
}

func plainText(t *textBuf, r io.ReaderAt, size int64) error {
	b, err := io.ReadAll(io.NewSectionReader(r, 0, min(size, int64(MaxTextRunes)*4)))
	if err != nil {
		return err
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(b) {
		if d, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b); err == nil {
			b = d
		}
	}
	t.add(string(b))
	return nil
}

func pdfPages(t *textBuf, r io.ReaderAt, size int64) error {
	doc, err := pdf.NewReader(r, size)
	if err != nil {
		return fmt.Errorf("files: read pdf: %w", err)
	}
	n := min(doc.NumPage(), maxPDFPages)
	for i := 1; i <= n && !t.full(); i++ {
		p := doc.Page(i)
		if p.V.IsNull() {
			continue
		}
		rows, err := p.GetTextByRow()
		if err != nil {
			continue // one unreadable page does not lose the others
		}
		for _, row := range rows {
			var line strings.Builder
			for _, w := range row.Content {
				line.WriteString(w.S)
			}
			t.add(line.String())
			t.sep()
		}
	}
	return nil
}

// zipXMLText reads the text elements (by local name) of the entries of a
// zip that want picks, in name order; breaks end a line.
func zipXMLText(t *textBuf, r io.ReaderAt, size int64, want func(string) bool, textEl, breakEl map[string]bool) error {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return fmt.Errorf("files: read zip: %w", err)
	}
	var names []*zip.File
	for _, f := range zr.File {
		if want(f.Name) {
			names = append(names, f)
		}
	}
	slices.SortFunc(names, func(a, b *zip.File) int { return naturalCompare(a.Name, b.Name) })
	budget := int64(maxInflate)
	for _, f := range names {
		if t.full() || budget <= 0 {
			break
		}
		rc, err := f.Open()
		if err != nil {
			continue
		}
		lr := &io.LimitedReader{R: rc, N: budget}
		err = xmlText(t, lr, textEl, breakEl)
		budget = lr.N
		rc.Close()
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
			continue // a broken part: keep what the others hold
		}
		t.sep()
	}
	return nil
}

func xmlText(t *textBuf, r io.Reader, textEl, breakEl map[string]bool) error {
	dec := xml.NewDecoder(r)
	dec.Strict = false
	depth := 0 // inside a text element
	for !t.full() {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch v := tok.(type) {
		case xml.StartElement:
			if textEl[v.Name.Local] {
				depth++
			}
		case xml.EndElement:
			if textEl[v.Name.Local] && depth > 0 {
				depth--
			}
			if breakEl[v.Name.Local] {
				t.add("\n")
			}
		case xml.CharData:
			if depth > 0 {
				t.add(string(v))
			}
		}
	}
	return nil
}

// naturalCompare orders slide2 before slide10.
func naturalCompare(a, b string) int {
	for a != "" && b != "" {
		da, db := digitsPrefix(a), digitsPrefix(b)
		if da != "" && db != "" {
			if len(da) != len(db) {
				return len(da) - len(db)
			}
			if c := strings.Compare(da, db); c != 0 {
				return c
			}
			a, b = a[len(da):], b[len(db):]
			continue
		}
		if a[0] != b[0] {
			return int(a[0]) - int(b[0])
		}
		a, b = a[1:], b[1:]
	}
	return len(a) - len(b)
}

func digitsPrefix(s string) string {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i]
}

func sheetText(t *textBuf, r io.ReaderAt, size int64) error {
	f, err := excelize.OpenReader(io.NewSectionReader(r, 0, size), excelize.Options{UnzipSizeLimit: maxInflate, UnzipXMLSizeLimit: maxInflate / 2})
	if err != nil {
		return fmt.Errorf("files: read xlsx: %w", err)
	}
	defer f.Close()
	cells := 0
	for _, sheet := range f.GetSheetList() {
		if t.full() || cells > maxCells {
			break
		}
		rows, err := f.Rows(sheet)
		if err != nil {
			continue
		}
		t.add(sheet)
		t.sep()
		for rows.Next() && !t.full() && cells <= maxCells {
			cols, err := rows.Columns()
			if err != nil {
				break
			}
			cells += len(cols)
			line := strings.TrimSpace(strings.Join(cols, " "))
			if line != "" {
				t.add(line)
				t.sep()
			}
		}
		rows.Close()
	}
	return nil
}
