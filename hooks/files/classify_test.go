package files

import (
	"bytes"
	"testing"
)

func TestMarkIn(t *testing.T) {
	tests := []struct{ in, want string }{
		{"关于印发年度计划的通知", ""},
		{"机密★10年 关于……", MarkConfid},
		{"绝密", MarkTopSecret},
		{"秘密★1年", MarkSecret},
		{"标题 机 密", MarkConfid},
		{"绝　密文件", MarkTopSecret},
		{"機密資料", MarkConfid},
		{"先绝密后秘密", MarkSecret}, // 绝密 inside words, 秘密 at the end
		{"绝密★ 附件：秘密", MarkTopSecret},
		{"商业秘密 机密★", MarkConfid},
		{"密秘", ""},
		{"", ""},
	}
	for _, tc := range tests {
		if got := MarkIn(tc.in); got != tc.want {
			t.Errorf("MarkIn(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestMarkInMarked: a mark followed by a star or standing as its own
// token counts.
func TestMarkInMarked(t *testing.T) {
	tests := []struct{ in, want string }{
		// Star.
		{"秘密★1年", MarkSecret},
		{"机密★长期", MarkConfid},
		{"绝密*", MarkTopSecret},
		{"关于机密★5年事项的通知.pdf", MarkConfid},
		{"商业秘密☆", MarkSecret},
		{"国家秘密 ★ 10年", MarkSecret},
		{"核心绝密＊", MarkTopSecret},
		// Start or end of the string.
		{"机密-项目方案.pdf", MarkConfid},
		{"项目方案（机密）.docx", MarkConfid},
		{"方案 绝密.pdf", MarkTopSecret},
		{"【秘密】通知.pdf", MarkSecret},
		{"秘密.txt", MarkSecret},
		{"秘密", MarkSecret},
		{"  《绝密》  ", MarkTopSecret},
		{"绝密文件.txt", MarkTopSecret},
		{"项目方案机密.tar.gz", MarkConfid},
		{"项目方案机密。", MarkConfid},
		// Bounded on both sides.
		{"关于[机密]事项的通知", MarkConfid},
		{"关于(机密)事项", MarkConfid},
		{"关于〔绝密〕事项", MarkTopSecret},
		{"关于<秘密>事项", MarkSecret},
		{"关于 机密 事项", MarkConfid},
		{"关于-机密-事项", MarkConfid},
		{"关于_机密_事项", MarkConfid},
		{"关于.机密.事项", MarkConfid},
		{"关于·机密·事项", MarkConfid},
		{"关于,机密,事项", MarkConfid},
		{"关于，机密，事项", MarkConfid},
		{"关于、机密、事项", MarkConfid},
		{"关于:机密:事项", MarkConfid},
		{"关于：机密：事项", MarkConfid},
		{"关于|机密|事项", MarkConfid},
		{"2024机密01号通知", MarkConfid},
		{"关于　绝密　事项", MarkTopSecret},
		// Spaces inside the mark, traditional forms.
		{"机 密-项目方案", MarkConfid},
		{"方案 绝　密.pdf", MarkTopSecret},
		{"秘 密 ★", MarkSecret},
		{"【機密】資料", MarkConfid},
		{"絕密★長期", MarkTopSecret},
		{"資料（絕密）", MarkTopSecret},
	}
	for _, tc := range tests {
		if got := MarkIn(tc.in); got != tc.want {
			t.Errorf("MarkIn(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestMarkInUnmarked: the words inside ordinary text are not a mark.
func TestMarkInUnmarked(t *testing.T) {
	for _, in := range []string{
		"中华人民共和国保守国家秘密法.pdf",
		"保守国家秘密法.pdf",
		"商业秘密保护指引",
		"商业秘密保护指引.docx",
		"关于保密工作的通知",
		"涉密人员",
		"涉密人员管理办法.pdf",
		"国家秘密的范围和密级规定",
		"关于加强机密载体管理的通知",
		"国家秘密法与绝密行动研究 2024.pdf",
		"公司商 业秘 密制度",
		"核心機密資料管理",
		"密级",
		"保密",
	} {
		if got := MarkIn(in); got != "" {
			t.Errorf("MarkIn(%q) = %q, want none", in, got)
		}
	}
}

func TestClassified(t *testing.T) {
	custom936 := olePropStream(
		oleSet{fmtidDocSummary, []olePropVal{{1, vtI2(936)}, {2, vtLPSTR(gbk("公文"))}}},
		oleSet{fmtidUserDef, []olePropVal{{0, oleDict(map[uint32][]byte{2: gbk("密级")})}, {1, vtI2(936)}, {2, vtLPSTR(gbk("机密"))}}},
	)
	wpsCustom := buildCFB(cfbStream{"WordDocument", []byte("x")}, cfbStream{"\x05DocumentSummaryInformation", custom936})
	wpsUTF16 := buildCFB(cfbStream{"\x05SummaryInformation", olePropStream(oleSet{fmtidSummary,
		[]olePropVal{{1, vtI2(1200)}, {5, vtLPWSTR("绝密")}}})})
	wpsUTF8 := buildCFB(cfbStream{"\x05SummaryInformation", olePropStream(oleSet{fmtidSummary,
		[]olePropVal{{1, vtI2(65001)}, {3, vtLPSTR([]byte("秘密★"))}}})})
	// An incremental update: the current Info is clean, the old one is not.
	updated := append(pdfWith("<< /Title (old) /Subject "+utf16BEHex("机密")+" >>", "(x)"),
		[]byte("5 0 obj\n<< /Title (new) >>\nendobj\ntrailer\n<< /Size 6 /Root 1 0 R /Info 5 0 R >>\n%%EOF\n")...)

	tests := []struct {
		desc, name string
		data       []byte
		ft         FileType
		mark       string
		where      string
	}{
		{"name", "机密★10年 材料.pdf", pdfWith("", "(x)"), typePDF, MarkConfid, "name"},
		{"name txt", "绝密文件.txt", []byte("x"), typeTXT, MarkTopSecret, "name"},
		{"pdf clean", "a.pdf", pdfWith("<< /Title (Annual report) /Producer (WPS) >>", "(x)"), typePDF, "", ""},
		{"pdf hex title", "a.pdf", pdfWith("<< /Title "+utf16BEHex("机密★5年 通知")+" >>", "(x)"), typePDF, MarkConfid, "pdf:Title"},
		{"pdf literal utf-16 octal", "a.pdf", pdfWith(`<< /Keywords (\376\377\176\335\133\306) >>`, "(x)"), typePDF, MarkTopSecret, "pdf:Keywords"},
		{"pdf literal utf-16 escaped", "a.pdf", pdfWith("<< /Subject (\xFE\xFF\x79\xD8\x5B\xC6 \\(x\\)) >>", "(x)"), typePDF, MarkSecret, "pdf:Subject"},
		{"pdf raw gbk", "a.pdf", pdfWith("<< /Title ("+string(gbk("机密"))+") >>", "(x)"), typePDF, MarkConfid, "pdf:Title"},
		{"pdf custom key", "a.pdf", pdfWith("<< /Title (x) /#E5#AF#86#E7#BA#A7 "+utf16BEHex("秘密")+" >>", "(x)"), typePDF, MarkSecret, "pdf:密级"},
		{"pdf indirect title", "a.pdf", buildPDF([]string{"<< /Type /Catalog >>", utf16BEHex("绝密"), "<< /Title 2 0 R >>"}, "/Info 3 0 R"), typePDF, MarkTopSecret, "pdf:Title"},
		{"pdf objstm info", "a.pdf", pdfObjStm("<< /Title " + utf16BEHex("机密") + " >>"), typePDF, MarkConfid, "pdf:Title"},
		{"pdf old revision", "a.pdf", updated, typePDF, MarkConfid, "pdf:Subject"},
		{"pdf xmp", "a.pdf", pdfXMP("机密 会议纪要", false), typePDF, MarkConfid, "pdf:xmp:dc:title"},
		{"pdf xmp compressed", "a.pdf", pdfXMP("绝密", true), typePDF, MarkTopSecret, "pdf:xmp:dc:title"},
		{"pdf page text only", "a.pdf", pdfWith("<< /Title (x) >>", "<"+utf16BEHex("机密")[5:]), typePDF, "", ""},
		{"pdf outline title", "a.pdf", buildPDF([]string{"<< /Type /Catalog /Outlines 2 0 R >>", "<< /Title " + utf16BEHex("保守秘密") + " /Parent 1 0 R >>"}, ""), typePDF, "", ""},

		{"docx clean", "a.docx", docxWith("正文", coreXML("通知", "年度"), customXML("部门", "办公室")), typeDOCX, "", ""},
		{"docx body", "a.docx", docxWith("请各单位保守国家秘密，机密文件不得外传", coreXML("通知", ""), ""), typeDOCX, "", ""},
		{"docx core keywords", "a.docx", docxWith("x", coreXML("通知", "绝密★长期"), ""), typeDOCX, MarkTopSecret, "docx:core:keywords"},
		{"docx core title", "a.docx", docxWith("x", coreXML("机密 通知", ""), ""), typeDOCX, MarkConfid, "docx:core:title"},
		{"docx custom", "a.docx", docxWith("x", coreXML("通知", ""), customXML("密级", "秘密")), typeDOCX, MarkSecret, "docx:custom:密级"},
		{"xlsx core", "a.xlsx", zipOf(zent{"[Content_Types].xml", contentTypes}, zent{"xl/workbook.xml", "<w/>"}, zent{"docProps/core.xml", coreXML("机密报表", "")}), typeXLSX, MarkConfid, "xlsx:core:title"},

		{"ofd clean", "a.ofd", ofdWith("通知", "部门", "办公室"), typeOFD, "", ""},
		{"ofd title", "a.ofd", ofdWith("机密★ 通知", "x", "y"), typeOFD, MarkConfid, "ofd:Title"},
		{"ofd custom", "a.ofd", ofdWith("通知", "密级", "绝密"), typeOFD, MarkTopSecret, "ofd:CustomData:密级"},

		{"wps clean", "a.wps", wpsWithTitle("年度工作总结"), typeWPS, "", ""},
		{"wps title 936", "a.wps", wpsWithTitle("机密★10年 总结"), typeWPS, MarkConfid, "wps:Title"},
		{"wps custom 936", "a.wps", wpsCustom, typeWPS, MarkConfid, "wps:custom:密级"},
		{"wps keywords utf-16", "a.wps", wpsUTF16, typeWPS, MarkTopSecret, "wps:Keywords"},
		{"wps subject utf-8", "a.wps", wpsUTF8, typeWPS, MarkSecret, "wps:Subject"},

		{"name statute", "中华人民共和国保守国家秘密法.pdf", pdfWith("<< /Title (x) >>", "(x)"), typePDF, "", ""},
		{"pdf subject free text", "a.pdf", pdfWith("<< /Subject "+utf16BEHex("商业秘密保护指引")+" >>", "(x)"), typePDF, "", ""},
		{"pdf security level key", "a.pdf", pdfWith("<< /Title (x) /SecurityLevel "+utf16BEHex("核心机密")+" >>", "(x)"), typePDF, MarkConfid, "pdf:SecurityLevel"},
		{"docx title statute", "a.docx", docxWith("x", coreXML("商业秘密保护指引", "保守国家秘密法"), customXML("备注", "涉及商业秘密条款")), typeDOCX, "", ""},
		{"docx custom anywhere", "a.docx", docxWith("x", coreXML("通知", ""), customXML("密级", "核心机密★5年")), typeDOCX, MarkConfid, "docx:custom:密级"},
		{"docx custom classification", "a.docx", docxWith("x", coreXML("通知", ""), customXML("Classification", "内部绝密")), typeDOCX, MarkTopSecret, "docx:custom:Classification"},
		{"ofd custom free text", "a.ofd", ofdWith("通知", "备注", "商业秘密保护"), typeOFD, "", ""},
		{"ofd custom security level", "a.ofd", ofdWith("通知", "Security Level", "核心机密"), typeOFD, MarkConfid, "ofd:CustomData:Security Level"},
		{"wps title statute", "a.wps", wpsWithTitle("保守国家秘密法学习"), typeWPS, "", ""},

		{"zip not looked into", "a.zip", zipOf(zent{"机密.txt", "x"}), typeZIP, "", ""},
		{"png", "a.png", pngBytes(), typePNG, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			if tc.where != "name" {
				if ft, err := detectBytes(tc.data, tc.name); err != nil || ft.Ext != tc.ft.Ext {
					t.Fatalf("fixture: Detect = %+v, %v", ft, err)
				}
			}
			mark, where, err := Classified(bytes.NewReader(tc.data), int64(len(tc.data)), tc.name, tc.ft)
			if err != nil || mark != tc.mark || where != tc.where {
				t.Fatalf("Classified = %q, %q, %v; want %q, %q", mark, where, err, tc.mark, tc.where)
			}
		})
	}
}

// TestClassifiedBomb: a zip entry inflating to far more than the limit is
// read only up to it.
func TestClassifiedBomb(t *testing.T) {
	huge := "<cp:coreProperties xmlns:cp=\"x\"><cp:keywords>" + string(bytes.Repeat([]byte(" "), 8<<20)) + "机密</cp:keywords></cp:coreProperties>"
	b := docxWith("x", huge, "")
	if len(b) > 1<<20 {
		t.Fatalf("fixture too large: %d", len(b))
	}
	mark, _, err := Classified(bytes.NewReader(b), int64(len(b)), "a.docx", typeDOCX)
	if err != nil || mark != "" {
		t.Fatalf("Classified = %q, %v; want the mark beyond the limit unseen", mark, err)
	}
}

// TestClassifiedLargePDF: the Info dictionary at the end of a large file
// is found through the tail window.
func TestClassifiedLargePDF(t *testing.T) {
	pad := pdfStream("", bytes.Repeat([]byte("0"), 5<<20))
	b := buildPDF([]string{"<< /Type /Catalog >>", pad, "<< /Title " + utf16BEHex("机密") + " >>"}, "/Info 3 0 R")
	mark, where, err := Classified(bytes.NewReader(b), int64(len(b)), "a.pdf", typePDF)
	if err != nil || mark != MarkConfid || where != "pdf:Title" {
		t.Fatalf("Classified = %q, %q, %v", mark, where, err)
	}
}
