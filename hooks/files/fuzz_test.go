package files

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode"
)

var fuzzTypes = map[string]FileType{
	"pdf": typePDF, "ofd": typeOFD, "docx": typeDOCX, "xlsx": typeXLSX, "pptx": typePPTX,
	"wps": typeWPS, "jpg": typeJPG, "png": typePNG, "txt": typeTXT, "zip": typeZIP,
}

type fuzzSeed struct {
	data []byte
	name string
}

func fuzzSeeds() []fuzzSeed {
	return []fuzzSeed{
		{pdfWith("<< /Title "+utf16BEHex("机密")+" /Keywords (a\\(b\\)\\101) >>", "(x)"), "a.pdf"},
		{pdfObjStm("<< /Title (x) >>"), "a.pdf"},
		{pdfXMP("绝密", true), "a.pdf"},
		{pngBytes(), "a.png"},
		{jpegBytes(), "a.jpg"},
		{docxWith("x", coreXML("通知", "秘密"), customXML("密级", "机密")), "a.docx"},
		{xlsxBytes(), "a.xlsx"},
		{pptxBytes(), "a.pptx"},
		{ofdWith("通知", "密级", "绝密"), "a.ofd"},
		{zipOf(zent{"a.txt", "x"}), "a.zip"},
		{[]byte("关于召开会议的通知\n"), "a.txt"},
		{[]byte("<html>x"), "a.txt"},
		{wpsWithTitle("机密"), "a.wps"},
		{[]byte{}, ""},
	}
}

func FuzzDetect(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s.data, s.name)
	}
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		start := time.Now()
		ft, err := detectBytes(data, name)
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("Detect took %v", d)
		}
		if err != nil {
			var de *DetectError
			if !errors.As(err, &de) {
				t.Fatalf("not a DetectError: %v", err)
			}
			switch de.Code {
			case CodeTypeNotAllowed, CodeTypeMismatch, CodeEmpty:
			default:
				t.Fatalf("bad code %q", de.Code)
			}
			if de.Message == "" {
				t.Fatal("empty message")
			}
			return
		}
		if _, ok := fuzzTypes[ft.Ext]; !ok {
			t.Fatalf("type %q not allowed", ft.Ext)
		}
		if ext := nameExt(name); ext != "" && !extMatches(ft.Ext, ext) {
			t.Fatalf("%q detected as %q without a mismatch", name, ft.Ext)
		}
		if ft.Inline != (ft.Ext == "pdf" || ft.Ext == "jpg" || ft.Ext == "png") {
			t.Fatalf("inline %+v", ft)
		}
		if len(data) == 0 {
			t.Fatal("empty content accepted")
		}
	})
}

func FuzzClassified(f *testing.F) {
	for _, s := range fuzzSeeds() {
		ext := nameExt(s.name)
		if ext == "" {
			ext = "pdf"
		}
		f.Add(s.data, s.name, ext)
	}
	f.Fuzz(func(t *testing.T, data []byte, name, ext string) {
		ft, ok := fuzzTypes[ext]
		if !ok {
			ft = typePDF
		}
		start := time.Now()
		mark, where, err := Classified(bytes.NewReader(data), int64(len(data)), name, ft)
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("Classified took %v", d)
		}
		if err != nil {
			t.Fatalf("error on an in-memory reader: %v", err)
		}
		switch mark {
		case "":
			if where != "" {
				t.Fatalf("where %q without a mark", where)
			}
		case MarkSecret, MarkConfid, MarkTopSecret:
			if where == "" {
				t.Fatal("mark without where")
			}
		default:
			t.Fatalf("bad mark %q", mark)
		}
		if (MarkIn(name) != "") != (where == "name") {
			t.Fatalf("name %q: where %q", name, where)
		}
	})
}

// FuzzMarkIn: MarkIn only reports a mark whose form (spaces inside
// allowed) is in the string, never finds more than markAnywhere, and
// always finds a starred mark appended as its own token.
func FuzzMarkIn(f *testing.F) {
	for _, s := range []string{
		"机密★10年 关于……", "标题 机 密", "绝　密文件", "機密資料", "先绝密后秘密",
		"中华人民共和国保守国家秘密法.pdf", "商业秘密保护指引", "项目方案（机密）.docx",
		"【秘密】通知.pdf", "方案 绝密.pdf", "涉密人员", "秘密", "密", "", "\xff机\u3000密",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m := MarkIn(s)
		switch m {
		case "":
		case MarkSecret, MarkConfid, MarkTopSecret:
			compact := strings.Map(func(r rune) rune {
				if unicode.IsSpace(r) {
					return -1
				}
				return r
			}, s)
			found := false
			for _, f := range markForms {
				found = found || (f.mark == m && strings.Contains(compact, f.form))
			}
			if !found {
				t.Fatalf("MarkIn(%q) = %q, but no form of it is in the string", s, m)
			}
			if markAnywhere(s) == "" {
				t.Fatalf("MarkIn(%q) = %q, markAnywhere none", s, m)
			}
		default:
			t.Fatalf("MarkIn(%q) = bad mark %q", s, m)
		}
		if MarkIn(s+" 绝密★") == "" || MarkIn("【机密】"+s) != MarkConfid {
			t.Fatalf("MarkIn(%q): a token mark added is not found", s)
		}
	})
}
