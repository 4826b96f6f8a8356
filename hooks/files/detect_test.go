package files

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"
	"unicode/utf16"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// ---- fixtures, generated (shared with classify_test.go and fuzz_test.go) ----

// buildPDF assembles objects ("<< … >>" bodies, object i+1 for objs[i])
// into a PDF with a correct xref table; trailer is extra trailer entries.
func buildPDF(objs []string, trailer string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xE2\xE3\xCF\xD3\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R %s >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, trailer, x)
	return b.Bytes()
}

func pdfStream(dict string, data []byte) string {
	return fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(data), data)
}

// pdfWith returns a one-page PDF whose page shows text and whose Info
// dictionary (object 5) is info ("" for none).
func pdfWith(info, text string) []byte {
	content := []byte("BT /F1 12 Tf 72 100 Td " + text + " Tj ET")
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
		pdfStream("", content),
	}
	trailer := ""
	if info != "" {
		objs = append(objs, info)
		trailer = "/Info 5 0 R"
	}
	return buildPDF(objs, trailer)
}

func utf16BEHex(s string) string {
	var b strings.Builder
	b.WriteString("<FEFF")
	for _, u := range utf16.Encode([]rune(s)) {
		fmt.Fprintf(&b, "%04X", u)
	}
	b.WriteString(">")
	return b.String()
}

func zlibBytes(b []byte) []byte {
	var out bytes.Buffer
	w := zlib.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.Bytes()
}

// pdfObjStm puts the Info dictionary in a compressed object stream.
func pdfObjStm(info string) []byte {
	body := []byte(info)
	header := "5 0 "
	stm := append([]byte(header), body...)
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
		"<< >>",
		"null", // 5 lives in the object stream
		pdfStream(fmt.Sprintf("/Type /ObjStm /N 1 /First %d /Filter /FlateDecode", len(header)), zlibBytes(stm)),
	}
	return buildPDF(objs, "/Info 5 0 R")
}

func xmpPacket(title string) string {
	return `<?xpacket begin="` + "\uFEFF" + `" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">` + title + `</rdf:li></rdf:Alt></dc:title>
</rdf:Description></rdf:RDF></x:xmpmeta>
<?xpacket end="w"?>`
}

// pdfXMP has an XMP metadata stream, compressed or not.
func pdfXMP(title string, compress bool) []byte {
	x := []byte(xmpPacket(title))
	dict := "/Type /Metadata /Subtype /XML"
	if compress {
		x = zlibBytes(x)
		dict += " /Filter /FlateDecode"
	}
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R /Metadata 4 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
		pdfStream(dict, x),
	}
	return buildPDF(objs, "")
}

func pngBytes() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 4, 3))
	img.Set(1, 1, color.RGBA{200, 10, 10, 255})
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

func jpegBytes() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	var b bytes.Buffer
	jpeg.Encode(&b, img, nil)
	return b.Bytes()
}

type zent struct{ name, body string }

func zipOf(ents ...zent) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for _, e := range ents {
		f, _ := w.Create(e.name)
		f.Write([]byte(e.body))
	}
	w.Close()
	return b.Bytes()
}

const contentTypes = `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>`

const rootRels = `<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>
<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties" Target="docProps/custom.xml"/>
</Relationships>`

func coreXML(title, keywords string) string {
	return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<dc:title>` + title + `</dc:title><dc:creator>张三</dc:creator><cp:keywords>` + keywords + `</cp:keywords>
<dcterms:created xsi:type="dcterms:W3CDTF">2024-01-01T00:00:00Z</dcterms:created></cp:coreProperties>`
}

func customXML(name, value string) string {
	return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">
<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="` + name + `"><vt:lpwstr>` + value + `</vt:lpwstr></property></Properties>`
}

func wordXML(body string) string {
	return `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>` + body + `</w:t></w:r></w:p></w:body></w:document>`
}

// docxWith builds a docx; empty core or custom leaves the part out.
func docxWith(body, core, custom string) []byte {
	ents := []zent{{"[Content_Types].xml", contentTypes}, {"_rels/.rels", rootRels}, {"word/document.xml", wordXML(body)}}
	if core != "" {
		ents = append(ents, zent{"docProps/core.xml", core})
	}
	if custom != "" {
		ents = append(ents, zent{"docProps/custom.xml", custom})
	}
	return zipOf(ents...)
}

func xlsxBytes() []byte {
	return zipOf(zent{"[Content_Types].xml", contentTypes}, zent{"xl/workbook.xml", `<workbook/>`},
		zent{"docProps/core.xml", coreXML("报表", "")})
}

func pptxBytes() []byte {
	return zipOf(zent{"[Content_Types].xml", contentTypes}, zent{"ppt/presentation.xml", `<p:presentation xmlns:p="x"/>`})
}

func ofdXML(title, customName, customValue string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0" DocType="OFD">
<ofd:DocBody><ofd:DocInfo><ofd:DocID>a1b2</ofd:DocID><ofd:Title>` + title + `</ofd:Title><ofd:Author>办公室</ofd:Author>
<ofd:Keywords><ofd:Keyword>通知</ofd:Keyword></ofd:Keywords>
<ofd:CustomDatas><ofd:CustomData Name="` + customName + `">` + customValue + `</ofd:CustomData></ofd:CustomDatas>
</ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>`
}

func ofdWith(title, customName, customValue string) []byte {
	return zipOf(zent{"OFD.xml", ofdXML(title, customName, customValue)},
		zent{"Doc_0/Document.xml", `<ofd:Document xmlns:ofd="http://www.ofdspec.org/2016"/>`},
		zent{"Doc_0/Pages/Page_0/Content.xml", `<ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:TextCode>保守国家秘密</ofd:TextCode></ofd:Page>`})
}

// ---- a test-only compound file writer ----

type cfbStream struct {
	name string
	data []byte
}

// buildCFB writes a version 3 compound file: 512-byte sectors, one FAT
// sector, one directory sector (root + up to three streams chained as
// right siblings). Streams are padded to 4096 bytes so they live in
// regular sectors and no mini stream is needed.
func buildCFB(streams ...cfbStream) []byte {
	const (
		sect    = 512
		endOf   = 0xFFFFFFFE
		free    = 0xFFFFFFFF
		fatSect = 0xFFFFFFFD
		noSib   = 0xFFFFFFFF
	)
	if len(streams) > 3 {
		panic("buildCFB: at most 3 streams")
	}
	le := binary.LittleEndian
	fat := make([]uint32, sect/4)
	for i := range fat {
		fat[i] = free
	}
	fat[0], fat[1] = fatSect, endOf
	next := uint32(2)
	starts := make([]uint32, len(streams))
	var body []byte
	for i := range streams {
		if len(streams[i].data) < 4096 {
			streams[i].data = append(streams[i].data, make([]byte, 4096-len(streams[i].data))...)
		}
		n := (len(streams[i].data) + sect - 1) / sect
		starts[i] = next
		for k := 0; k < n; k++ {
			if k == n-1 {
				fat[next] = endOf
			} else {
				fat[next] = next + 1
			}
			next++
		}
		d := make([]byte, n*sect)
		copy(d, streams[i].data)
		body = append(body, d...)
	}
	hdr := make([]byte, sect)
	copy(hdr, magicCFB)
	le.PutUint16(hdr[24:], 0x3E)
	le.PutUint16(hdr[26:], 3)
	le.PutUint16(hdr[28:], 0xFFFE)
	le.PutUint16(hdr[30:], 9)
	le.PutUint16(hdr[32:], 6)
	le.PutUint32(hdr[44:], 1)     // FAT sectors
	le.PutUint32(hdr[48:], 1)     // first directory sector
	le.PutUint32(hdr[56:], 4096)  // mini stream cutoff
	le.PutUint32(hdr[60:], endOf) // mini FAT
	le.PutUint32(hdr[68:], endOf) // DIFAT
	for i := 76; i < sect; i += 4 {
		le.PutUint32(hdr[i:], free)
	}
	le.PutUint32(hdr[76:], 0) // FAT in sector 0
	fatb := make([]byte, sect)
	for i, v := range fat {
		le.PutUint32(fatb[4*i:], v)
	}
	dir := make([]byte, sect)
	entry := func(i int, name string, typ byte, right, child, start uint32, size int) {
		e := dir[i*128:]
		u := utf16.Encode([]rune(name))
		for k, c := range u {
			le.PutUint16(e[2*k:], c)
		}
		le.PutUint16(e[64:], uint16(2*len(u)+2))
		e[66], e[67] = typ, 1
		le.PutUint32(e[68:], noSib)
		le.PutUint32(e[72:], right)
		le.PutUint32(e[76:], child)
		le.PutUint32(e[116:], start)
		le.PutUint32(e[120:], uint32(size))
	}
	for i := 0; i < 4; i++ {
		le.PutUint32(dir[i*128+68:], noSib)
		le.PutUint32(dir[i*128+72:], noSib)
		le.PutUint32(dir[i*128+76:], noSib)
	}
	child := uint32(noSib)
	if len(streams) > 0 {
		child = 1
	}
	entry(0, "Root Entry", 5, noSib, child, endOf, 0)
	for i, s := range streams {
		right := uint32(noSib)
		if i+1 < len(streams) {
			right = uint32(i + 2)
		}
		entry(i+1, s.name, 2, right, noSib, starts[i], len(s.data))
	}
	out := append(hdr, fatb...)
	out = append(out, dir...)
	return append(out, body...)
}

// olePropVal is one property of a test property set: a typed value.
type olePropVal struct {
	id  uint32
	val []byte
}

func pad4(b []byte) []byte {
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func vtI2(v uint16) []byte {
	b := make([]byte, 8)
	b[0] = 2
	binary.LittleEndian.PutUint16(b[4:], v)
	return b
}

// vtLPSTR encodes s (already in the set's code page) as VT_LPSTR.
func vtLPSTR(s []byte) []byte {
	b := make([]byte, 8, 8+len(s)+4)
	b[0] = 0x1E
	binary.LittleEndian.PutUint32(b[4:], uint32(len(s)+1))
	b = append(b, s...)
	return pad4(append(b, 0))
}

func vtLPWSTR(s string) []byte {
	u := append(utf16.Encode([]rune(s)), 0)
	b := make([]byte, 8)
	b[0] = 0x1F
	binary.LittleEndian.PutUint32(b[4:], uint32(len(u)))
	for _, c := range u {
		b = binary.LittleEndian.AppendUint16(b, c)
	}
	return pad4(b)
}

// oleDict encodes a dictionary (property 0) with 8-bit names.
func oleDict(names map[uint32][]byte) []byte {
	b := binary.LittleEndian.AppendUint32(nil, uint32(len(names)))
	for id, n := range names {
		b = binary.LittleEndian.AppendUint32(b, id)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(n)+1))
		b = append(append(b, n...), 0)
	}
	return pad4(b)
}

func oleSectionBytes(props []olePropVal) []byte {
	hdr := 8 + 8*len(props)
	var vals []byte
	idx := make([]byte, 0, 8*len(props))
	for _, p := range props {
		idx = binary.LittleEndian.AppendUint32(idx, p.id)
		idx = binary.LittleEndian.AppendUint32(idx, uint32(hdr+len(vals)))
		vals = append(vals, p.val...)
	}
	b := binary.LittleEndian.AppendUint32(nil, uint32(hdr+len(vals)))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(props)))
	return append(append(b, idx...), vals...)
}

type oleSet struct {
	fmtid [16]byte
	props []olePropVal
}

func olePropStream(sets ...oleSet) []byte {
	b := []byte{0xFE, 0xFF, 0, 0, 6, 1, 2, 0}
	b = append(b, make([]byte, 16)...) // CLSID
	b = binary.LittleEndian.AppendUint32(b, uint32(len(sets)))
	off := len(b) + 20*len(sets)
	var secs []byte
	for _, s := range sets {
		b = append(b, s.fmtid[:]...)
		b = binary.LittleEndian.AppendUint32(b, uint32(off+len(secs)))
		secs = append(secs, oleSectionBytes(s.props)...)
	}
	return append(b, secs...)
}

func gbk(s string) []byte {
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	if err != nil {
		panic(err)
	}
	return b
}

// wpsWithTitle is a compound file whose SummaryInformation holds title in
// code page 936 (what WPS Office writes on Chinese systems).
func wpsWithTitle(title string) []byte {
	si := olePropStream(oleSet{fmtidSummary, []olePropVal{{1, vtI2(936)}, {2, vtLPSTR(gbk(title))}}})
	return buildCFB(cfbStream{"WordDocument", []byte("wps body 保守国家秘密")}, cfbStream{"\x05SummaryInformation", si})
}

// ---- tests ----

func detectBytes(b []byte, name string) (FileType, error) {
	return Detect(bytes.NewReader(b), int64(len(b)), name)
}

func TestDetect(t *testing.T) {
	gb18030Text, _ := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte("关于召开年度工作会议的通知\r\n各处室：\r\n"))
	elf := append([]byte("\x7FELF\x02\x01\x01\x00"), make([]byte, 56)...)
	cfb := buildCFB(cfbStream{"WordDocument", []byte("x")})
	tests := []struct {
		name string
		data []byte
		ext  string // expected Ext on success
		code string // expected error code
	}{
		{"通知.pdf", pdfWith("", "(x)"), "pdf", ""},
		{"通知", pdfWith("", "(x)"), "pdf", ""},
		{"通知.PDF", pdfWith("", "(x)"), "pdf", ""},
		{"图.png", pngBytes(), "png", ""},
		{"照片.jpg", jpegBytes(), "jpg", ""},
		{"照片.jpeg", jpegBytes(), "jpg", ""},
		{"报告.docx", docxWith("正文", "", ""), "docx", ""},
		{"报表.xlsx", xlsxBytes(), "xlsx", ""},
		{"汇报.pptx", pptxBytes(), "pptx", ""},
		{"公文.ofd", ofdWith("通知", "x", "y"), "ofd", ""},
		{"材料.zip", zipOf(zent{"a.txt", "hello"}, zent{"目录/b.pdf", "x"}), "zip", ""},
		{"说明.txt", []byte("关于开展安全检查的通知\n各单位：\t请于本周内完成。\n"), "txt", ""},
		{"说明.txt", append([]byte{0xEF, 0xBB, 0xBF}, "带 BOM 的文本"...), "txt", ""},
		{"说明.txt", gb18030Text, "txt", ""},
		{"说明", []byte("plain"), "txt", ""},
		{"文档.wps", cfb, "wps", ""},
		{"文档.WPS", cfb, "wps", ""},

		{"空.txt", nil, "", CodeEmpty},
		{"a.html", []byte("hello"), "", CodeTypeNotAllowed},
		{"a.svg", pngBytes(), "", CodeTypeNotAllowed},
		{"a.pdf.exe", pdfWith("", "(x)"), "", CodeTypeNotAllowed},
		{"a.txt", []byte("<!DOCTYPE html><html><body>x</body></html>"), "", CodeTypeNotAllowed},
		{"a.txt", []byte("  \n<html><script>alert(1)</script>"), "", CodeTypeNotAllowed},
		{"a.txt", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`), "", CodeTypeNotAllowed},
		{"a.txt", []byte(`<?xml version="1.0"?><a/>`), "", CodeTypeNotAllowed},
		{"a.txt", []byte("\uFEFF<script>alert(1)</script>"), "", CodeTypeNotAllowed},
		{"a.txt", []byte("#!/bin/sh\nrm -rf /\n"), "", CodeTypeNotAllowed},
		{"a", []byte("<p>hello</p>"), "", CodeTypeNotAllowed},
		{"a.txt", elf, "", CodeTypeNotAllowed},
		{"a", []byte("MZ\x90\x00\x03\x00\x00\x00"), "", CodeTypeNotAllowed},
		{"a.txt", []byte("abc\x00def"), "", CodeTypeNotAllowed},
		{"a.bin", []byte{0x01, 0x02, 0x03, 0x80, 0xFF}, "", CodeTypeNotAllowed},
		{"旧.doc", cfb, "", CodeTypeNotAllowed},
		{"旧.xls", cfb, "", CodeTypeNotAllowed},
		{"旧", cfb, "", CodeTypeNotAllowed},
		{"a.png", []byte("\x89PNG\r\n\x1a\nnot really"), "", CodeTypeNotAllowed},
		{"宏.docx", zipOf(zent{"[Content_Types].xml", contentTypes}, zent{"word/document.xml", wordXML("x")}, zent{"word/vbaProject.bin", "x"}), "", CodeTypeNotAllowed},

		{"x.docx", pdfWith("", "(x)"), "", CodeTypeMismatch},
		{"x.pdf", pngBytes(), "", CodeTypeMismatch},
		{"x.pdf", []byte("只是文本"), "", CodeTypeMismatch},
		{"x.zip", docxWith("x", "", ""), "", CodeTypeMismatch},
		{"x.docx", zipOf(zent{"a.txt", "x"}), "", CodeTypeMismatch},
		{"x.jpg", pngBytes(), "", CodeTypeMismatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ft, err := detectBytes(tc.data, tc.name)
			if tc.code != "" {
				var de *DetectError
				if !errors.As(err, &de) || de.Code != tc.code {
					t.Fatalf("Detect = %+v, %v; want code %s", ft, err, tc.code)
				}
				if de.Message == "" || !strings.ContainsAny(de.Message, "文件不") {
					t.Errorf("message %q is not a Chinese user message", de.Message)
				}
				return
			}
			if err != nil || ft.Ext != tc.ext {
				t.Fatalf("Detect = %+v, %v; want %s", ft, err, tc.ext)
			}
			if ft.Inline != (ft.Ext == "pdf" || ft.Ext == "jpg" || ft.Ext == "png") || ft.MIME == "" {
				t.Errorf("bad FileType %+v", ft)
			}
		})
	}
}

func TestDetectMessages(t *testing.T) {
	_, err := detectBytes(pdfWith("", "(x)"), "x.docx")
	if got, want := err.Error(), "文件内容与扩展名不符：内容为 PDF，扩展名为 .docx"; got != want {
		t.Errorf("mismatch message %q, want %q", got, want)
	}
	_, err = detectBytes([]byte("<html><body>x"), "a.txt")
	if got, want := err.Error(), "不允许上传此类文件（检测到 HTML）"; got != want {
		t.Errorf("html message %q, want %q", got, want)
	}
	_, err = detectBytes(buildCFB(), "a.doc")
	if !strings.Contains(err.Error(), "旧版 Office") {
		t.Errorf("legacy message %q", err.Error())
	}
	ft, _ := detectBytes([]byte("\xb9\xd8\xd3\xda"), "gb.txt") // "关于" in GBK
	if ft.MIME != "text/plain; charset=gb18030" {
		t.Errorf("GB18030 text MIME %q", ft.MIME)
	}
}

// TestDetectLargeText checks the chunked UTF-8 pass across chunk borders.
func TestDetectLargeText(t *testing.T) {
	line := strings.Repeat("国家机关公文处理", 1000) + "\n" // 3-byte runes straddle 64 KiB borders
	b := []byte(strings.Repeat(line, 30))
	if ft, err := detectBytes(b, "big.txt"); err != nil || ft.Ext != "txt" || ft.MIME != typeTXT.MIME {
		t.Fatalf("Detect = %+v, %v", ft, err)
	}
	b[len(b)-5] = 0xFF // invalid at the very end, neither UTF-8 nor GB18030
	if _, err := detectBytes(b, "big.txt"); err == nil {
		t.Fatal("invalid tail accepted")
	}
	g, _ := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(strings.Repeat(line, 30)))
	if ft, err := detectBytes(g, "big.txt"); err != nil || ft.MIME != typeTXTG.MIME {
		t.Fatalf("GB18030 Detect = %+v, %v", ft, err)
	}
}

func TestSafeName(t *testing.T) {
	long := strings.Repeat("文", 86) // 258 bytes
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"关于2024年度工作的通知（定稿）.docx", "关于2024年度工作的通知（定稿）.docx", true},
		{"  报告.pdf  ", "报告.pdf", true},
		{`C:\Users\张三\Desktop\报告.pdf`, "报告.pdf", true},
		{"../../etc/passwd", "passwd", true},
		{"a/b\\c.txt", "c.txt", true},
		{"机密★10年 材料.pdf", "机密★10年 材料.pdf", true},
		{"", "", false},
		{"   ", "", false},
		{"dir/", "", false},
		{".", "", false},
		{"..", "", false},
		{"a/..", "", false},
		{"a\x00b.txt", "", false},
		{"a\nb.txt", "", false},
		{"报告\u202Efdp.exe", "", false},
		{long, "", false},
		{strings.Repeat("文", 85), strings.Repeat("文", 85), true},
		{"\xff\xfe.txt", "", false},
	}
	for _, tc := range tests {
		got, err := SafeName(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("SafeName(%q) = %q, %v; want %q ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
		var de *DetectError
		if err != nil && (!errors.As(err, &de) || de.Code != CodeInvalidName) {
			t.Errorf("SafeName(%q) error %v is not invalid_name", tc.in, err)
		}
	}
}
