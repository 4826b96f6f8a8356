package files

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// textPDF is a one-page PDF showing lines in Helvetica, with a correct
// cross-reference table.
func textPDF(lines ...string) []byte {
	var content strings.Builder
	content.WriteString("BT /F1 12 Tf 72 720 Td 14 TL\n")
	for _, l := range lines {
		fmt.Fprintf(&content, "(%s) Tj T*\n", l)
	}
	content.WriteString("ET")
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", content.Len(), content.String()),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer << /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

func sheetBytes(t *testing.T, rows ...[]string) []byte {
	f := excelize.NewFile()
	for i, r := range rows {
		for j, v := range r {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
			f.SetCellValue("Sheet1", cell, v)
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestExtractText: the words of each kind of file come out, in order, and
// nothing of other kinds.
func TestExtractText(t *testing.T) {
	gbk, _ := simplifiedchinese.GB18030.NewEncoder().String("营业执照年检通知")
	docx := zipOf(zent{"[Content_Types].xml", contentTypes}, zent{"_rels/.rels", rootRels},
		zent{"word/document.xml", `<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` +
			`<w:p><w:r><w:t>关于优化</w:t></w:r><w:r><w:t xml:space="preserve">营商环境</w:t></w:r></w:p><w:p><w:r><w:t>第二段 &amp; 附表</w:t></w:r></w:p></w:body></w:document>`})
	pptx := zipOf(zent{"ppt/slides/slide10.xml", `<p:sld xmlns:a="a" xmlns:p="p"><a:p><a:r><a:t>第十页</a:t></a:r></a:p></p:sld>`},
		zent{"ppt/slides/slide2.xml", `<p:sld xmlns:a="a" xmlns:p="p"><a:p><a:r><a:t>第二页</a:t></a:r></a:p></p:sld>`})
	ofd := zipOf(zent{"OFD.xml", `<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"/>`},
		zent{"Doc_0/Pages/Page_0/Content.xml", `<ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Content><ofd:Layer>` +
			`<ofd:TextObject ID="1"><ofd:TextCode X="0" Y="10">电子公文</ofd:TextCode></ofd:TextObject>` +
			`<ofd:TextObject ID="2"><ofd:TextCode X="0" Y="20">版式文件</ofd:TextCode></ofd:TextObject></ofd:Layer></ofd:Content></ofd:Page>`})
	for _, c := range []struct {
		ext, want string
		data      []byte
	}{
		{"txt", "社保缴费基数调整", []byte("\xef\xbb\xbf社保缴费基数调整")},
		{"txt", "营业执照年检通知", []byte(gbk)},
		{"docx", "关于优化营商环境\n第二段 & 附表", docx},
		{"pptx", "第二页\n\n第十页", pptx},
		{"ofd", "电子公文\n版式文件", ofd},
		{"xlsx", "Sheet1\n单位 人数\n东城市税务局 120", sheetBytes(t, []string{"单位", "人数"}, []string{"东城市税务局", "120"})},
		{"pdf", "Business licence annual report 2026\nSocial insurance", textPDF("Business licence annual report 2026", "Social insurance")},
	} {
		got, err := ExtractText(bytes.NewReader(c.data), int64(len(c.data)), c.ext)
		if err != nil {
			t.Errorf("%s: %v", c.ext, err)
			continue
		}
		if norm := strings.Join(strings.Fields(strings.ReplaceAll(got, "\n", " | ")), " "); !strings.Contains(got, strings.Split(c.want, "\n")[0]) ||
			!strings.Contains(strings.ReplaceAll(got, " ", ""), strings.ReplaceAll(strings.Split(c.want, "\n")[len(strings.Split(c.want, "\n"))-1], " ", "")) {
			t.Errorf("%s: got %q (%s), want %q", c.ext, got, norm, c.want)
		}
	}
	if _, err := ExtractText(bytes.NewReader(pngBytes()), 10, "png"); err != ErrNoText {
		t.Errorf("png: %v", err)
	}
	// a long text is cut at MaxTextRunes
	long := strings.Repeat("政务", MaxTextRunes)
	got, _ := ExtractText(strings.NewReader(long), int64(len(long)), "txt")
	if n := len([]rune(got)); n != MaxTextRunes {
		t.Errorf("long text kept %d runes", n)
	}
}

// FuzzExtractText: no input makes an extractor panic, hang or return
// invalid UTF-8 or more than MaxTextRunes.
func FuzzExtractText(f *testing.F) {
	f.Add("pdf", textPDF("hello"))
	f.Add("docx", zipOf(zent{"word/document.xml", `<w:document><w:body><w:p><w:r><w:t>x</w:t></w:r></w:p></w:body></w:document>`}))
	f.Add("ofd", zipOf(zent{"Doc_0/Pages/Page_0/Content.xml", `<Page><TextCode>电子</TextCode></Page>`}))
	f.Add("txt", []byte("\xff\xfe文本"))
	f.Add("xlsx", []byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, ext string, data []byte) {
		got, err := ExtractText(bytes.NewReader(data), int64(len(data)), ext)
		if err != nil {
			return
		}
		if !strings.Contains(got, "\ufffd") && !utf8Valid(got) || len([]rune(got)) > MaxTextRunes {
			t.Fatalf("%s: bad text (%d runes)", ext, len([]rune(got)))
		}
	})
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "") == s }
