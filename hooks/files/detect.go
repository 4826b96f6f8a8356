package files

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gabriel-vasile/mimetype"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// FileType is an allowed upload type, decided from the content.
type FileType struct {
	Ext  string // without the dot: "pdf", "docx", …
	MIME string
	// Inline: may be shown in the browser (pdf, jpg, png only); everything
	// else is served as an attachment.
	Inline bool
}

// DetectError codes.
const (
	CodeTypeNotAllowed = "type_not_allowed"
	CodeTypeMismatch   = "type_mismatch"
	CodeEmpty          = "empty"
	CodeInvalidName    = "invalid_name" // SafeName only
)

// DetectError refuses an upload; Message is shown to the user as is.
type DetectError struct {
	Code    string
	Message string
}

func (e *DetectError) Error() string { return e.Message }

func notAllowed(what string) *DetectError {
	return &DetectError{Code: CodeTypeNotAllowed, Message: "不允许上传此类文件（" + what + "）"}
}

var (
	typePDF  = FileType{Ext: "pdf", MIME: "application/pdf", Inline: true}
	typeOFD  = FileType{Ext: "ofd", MIME: "application/ofd"}
	typeDOCX = FileType{Ext: "docx", MIME: "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
	typeXLSX = FileType{Ext: "xlsx", MIME: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
	typePPTX = FileType{Ext: "pptx", MIME: "application/vnd.openxmlformats-officedocument.presentationml.presentation"}
	// No IANA type exists; this is what WPS Office registers on Kylin/UOS
	// desktops, so a downloaded file opens in WPS there.
	typeWPS  = FileType{Ext: "wps", MIME: "application/wps-office.wps"}
	typeJPG  = FileType{Ext: "jpg", MIME: "image/jpeg", Inline: true}
	typePNG  = FileType{Ext: "png", MIME: "image/png", Inline: true}
	typeZIP  = FileType{Ext: "zip", MIME: "application/zip"}
	typeTXT  = FileType{Ext: "txt", MIME: "text/plain; charset=utf-8"}
	typeTXTG = FileType{Ext: "txt", MIME: "text/plain; charset=gb18030"}
)

// typeLabel names a detected type in messages.
var typeLabel = map[string]string{
	"pdf": "PDF", "ofd": "OFD", "docx": "Word 文档（docx）", "xlsx": "Excel 表格（xlsx）",
	"pptx": "PowerPoint 演示文稿（pptx）", "wps": "WPS 文档", "jpg": "JPEG 图片",
	"png": "PNG 图片", "zip": "ZIP 压缩包", "txt": "纯文本",
}

// extAliases are the extensions a name may carry for each type.
var extAliases = map[string][]string{
	"jpg": {"jpg", "jpeg", "jpe"},
}

// blockedExts are refused whatever the content: they run or render in a
// browser or on the desktop, and a later rename must not make them do so.
var blockedExts = map[string]bool{
	"html": true, "htm": true, "svg": true, "svgz": true, "js": true, "mjs": true,
	"xhtml": true, "shtml": true, "php": true, "jsp": true, "asp": true,
	"aspx": true, "exe": true, "bat": true, "cmd": true, "sh": true,
	"ps1": true, "vbs": true, "com": true, "scr": true, "msi": true,
	"hta": true, "jar": true, "lnk": true,
}

// legacyOfficeExts are the binary Office formats that share WPS's container.
var legacyOfficeExts = map[string]bool{
	"doc": true, "dot": true, "xls": true, "xlt": true, "ppt": true, "pot": true,
	"pps": true, "et": true, "ett": true, "dps": true, "dpt": true, "wpt": true,
}

var (
	magicPDF = []byte("%PDF-")
	magicPNG = []byte("\x89PNG\r\n\x1a\n")
	magicJPG = []byte{0xFF, 0xD8, 0xFF}
	magicZIP = []byte("PK\x03\x04")
	magicCFB = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
)

// detectHeadSize is how much of the file the magic checks look at.
const detectHeadSize = 4096

// nameExt is the lower-case extension of name without the dot, "" if none.
func nameExt(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.TrimRight(strings.TrimSpace(name), ". ")
	// A leading dot counts too: ".html" is refused like "x.html".
	i := strings.LastIndexByte(name, '.')
	if i < 0 {
		return ""
	}
	return strings.ToLower(name[i+1:])
}

// Detect decides the type of the content in r (size bytes), reading only
// the head, the zip central directory or, for text, a streaming pass. name
// is the client's file name: its extension must agree with the content, and
// a name without an extension takes the detected one.
func Detect(r io.ReaderAt, size int64, name string) (FileType, error) {
	if size <= 0 {
		return FileType{}, &DetectError{Code: CodeEmpty, Message: "文件为空"}
	}
	ext := nameExt(name)
	if blockedExts[ext] {
		return FileType{}, notAllowed("扩展名 ." + ext)
	}
	head := make([]byte, min(size, detectHeadSize))
	if n, err := r.ReadAt(head, 0); n < len(head) {
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return FileType{}, fmt.Errorf("files: read head: %w", err)
	}
	ft, derr := detectContent(r, size, head, ext)
	if derr != nil {
		return FileType{}, derr
	}
	if ext != "" && !extMatches(ft.Ext, ext) {
		return FileType{}, &DetectError{Code: CodeTypeMismatch,
			Message: "文件内容与扩展名不符：内容为 " + typeLabel[ft.Ext] + "，扩展名为 ." + ext}
	}
	return ft, nil
}

func extMatches(detected, ext string) bool {
	if detected == ext {
		return true
	}
	for _, a := range extAliases[detected] {
		if a == ext {
			return true
		}
	}
	return false
}

// detectContent returns an allowed type or a *DetectError (an I/O error
// reading r is returned as is).
func detectContent(r io.ReaderAt, size int64, head []byte, ext string) (FileType, error) {
	switch {
	case bytes.HasPrefix(head, magicPDF):
		return typePDF, nil
	case bytes.HasPrefix(head, magicPNG):
		return checkImage(r, size, typePNG, png.DecodeConfig)
	case bytes.HasPrefix(head, magicJPG):
		return checkImage(r, size, typeJPG, jpeg.DecodeConfig)
	case bytes.HasPrefix(head, magicZIP):
		return detectZip(r, size)
	case bytes.HasPrefix(head, magicCFB):
		if ext == "wps" {
			return typeWPS, nil
		}
		if legacyOfficeExts[ext] {
			return FileType{}, &DetectError{Code: CodeTypeNotAllowed,
				Message: "不允许上传旧版 Office 文件（." + ext + "），请另存为 .docx、.xlsx 或 .pptx 后上传"}
		}
		return FileType{}, &DetectError{Code: CodeTypeNotAllowed,
			Message: "不允许上传此类文件（检测到旧版 Office/OLE 复合文档，请另存为 .docx、.xlsx 或 .pptx 后上传）"}
	}
	if what := markupKind(head); what != "" {
		return FileType{}, notAllowed("检测到 " + what)
	}
	ft, ok, err := detectText(r, size)
	if err != nil {
		return FileType{}, err
	}
	if ok {
		return ft, nil
	}
	return FileType{}, notAllowed("检测到 " + binaryLabel(head))
}

func checkImage(r io.ReaderAt, size int64, ft FileType, decode func(io.Reader) (image.Config, error)) (FileType, error) {
	// The header must parse: a file that only starts like an image is
	// served inline and must not be something else in disguise.
	if _, err := decode(io.NewSectionReader(r, 0, size)); err != nil {
		return FileType{}, &DetectError{Code: CodeTypeNotAllowed, Message: "图片文件已损坏或格式无法识别"}
	}
	return ft, nil
}

// zipEntryLimit bounds the central directory Detect accepts; documents
// have a few hundred parts at most.
const zipEntryLimit = 100000

func detectZip(r io.ReaderAt, size int64) (FileType, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return FileType{}, &DetectError{Code: CodeTypeNotAllowed, Message: "压缩文件已损坏或格式无法识别"}
	}
	if len(zr.File) > zipEntryLimit {
		return FileType{}, &DetectError{Code: CodeTypeNotAllowed, Message: "压缩文件包含的条目过多"}
	}
	has := make(map[string]bool, len(zr.File))
	for _, f := range zr.File {
		// OPC part names compare case-insensitively.
		has[strings.ToLower(f.Name)] = true
	}
	if has["ofd.xml"] {
		return typeOFD, nil
	}
	if has["[content_types].xml"] {
		var ft FileType
		switch {
		case has["word/document.xml"]:
			ft = typeDOCX
		case has["xl/workbook.xml"]:
			ft = typeXLSX
		case has["ppt/presentation.xml"]:
			ft = typePPTX
		}
		if ft.Ext != "" {
			// A .docm/.xlsm/.pptm renamed to the macro-free extension.
			for n := range has {
				if strings.HasSuffix(n, "vbaproject.bin") {
					return FileType{}, notAllowed("检测到含宏的 Office 文档")
				}
			}
			return ft, nil
		}
	}
	return typeZIP, nil
}

// markupKind names HTML, SVG, XML or script content at the start of head,
// or returns "".
func markupKind(head []byte) string {
	s := head
	for _, bom := range [][]byte{{0xEF, 0xBB, 0xBF}, {0xFE, 0xFF}, {0xFF, 0xFE}} {
		s = bytes.TrimPrefix(s, bom)
	}
	s = bytes.TrimLeft(s, " \t\r\n\f\v\x00")
	if bytes.HasPrefix(s, []byte("#!")) {
		return "脚本"
	}
	low := bytes.ToLower(s[:min(len(s), 64)])
	for _, p := range []struct{ prefix, what string }{
		{"<!doctype", "HTML"}, {"<html", "HTML"}, {"<head", "HTML"}, {"<body", "HTML"},
		{"<script", "脚本"}, {"<svg", "SVG"}, {"<?xml", "XML"}, {"<?php", "PHP 脚本"},
		{"<%", "服务端脚本"}, {"<iframe", "HTML"}, {"<!--", "HTML"}, {"<style", "HTML"},
	} {
		if bytes.HasPrefix(low, []byte(p.prefix)) {
			return p.what
		}
	}
	// mimetype knows more markup (tags after a preamble, XML dialects).
	m := mimetype.Detect(head)
	for ; m != nil; m = m.Parent() {
		for _, k := range []struct{ mime, what string }{
			{"text/html", "HTML"}, {"image/svg+xml", "SVG"}, {"text/xml", "XML"}, {"application/xml", "XML"},
			{"text/javascript", "脚本"}, {"application/javascript", "脚本"}, {"text/x-php", "PHP 脚本"},
			{"text/x-shellscript", "脚本"}, {"text/x-python", "脚本"}, {"text/x-perl", "脚本"},
			{"text/x-lua", "脚本"}, {"text/x-tcl", "脚本"}, {"text/rtf", "RTF"}, {"application/rtf", "RTF"},
		} {
			if m.Is(k.mime) {
				return k.what
			}
		}
	}
	return ""
}

// binaryLabel names content that is neither allowed nor text.
func binaryLabel(head []byte) string {
	m := mimetype.Detect(head)
	switch {
	case bytes.HasPrefix(head, []byte("\x7FELF")), bytes.HasPrefix(head, []byte("MZ")),
		m.Is("application/x-elf"), m.Is("application/vnd.microsoft.portable-executable"),
		m.Is("application/x-mach-binary"):
		return "可执行程序"
	case m.String() == "application/octet-stream":
		return "未知的二进制文件"
	}
	mt, _, _ := strings.Cut(m.String(), ";")
	return mt
}

// detectText accepts UTF-8 or GB18030 text without NUL or other control
// bytes (the usual sign of binary data). It reads the whole file once
// (twice if it is not UTF-8) through a small buffer.
func detectText(r io.ReaderAt, size int64) (FileType, bool, error) {
	buf := make([]byte, 64<<10)
	var carry int // bytes of an incomplete UTF-8 sequence kept from the last chunk
	isUTF8 := true
	for off := int64(0); off < size; {
		n, err := r.ReadAt(buf[carry:min(int64(len(buf)), int64(carry)+size-off)], off)
		if n == 0 && err != nil {
			return FileType{}, false, fmt.Errorf("files: read text: %w", err)
		}
		chunk := buf[carry : carry+n]
		for _, c := range chunk {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' && c != 0x1B || c == 0x7F {
				return FileType{}, false, nil
			}
		}
		off += int64(n)
		all := buf[:carry+n]
		carry = 0
		if isUTF8 {
			valid := all
			if off < size {
				// Keep a sequence cut by the chunk end for the next round.
				i := max(len(all)-utf8.UTFMax+1, 0)
				for j := len(all) - 1; j >= i; j-- {
					if utf8.RuneStart(all[j]) {
						if !utf8.FullRune(all[j:]) {
							valid = all[:j]
						}
						break
					}
				}
			}
			if !utf8.Valid(valid) {
				isUTF8 = false
			} else {
				carry = copy(buf, all[len(valid):])
			}
		}
	}
	if isUTF8 {
		return typeTXT, true, nil
	}
	ok, err := validGB18030(io.NewSectionReader(r, 0, size))
	if err != nil || !ok {
		return FileType{}, false, err
	}
	return typeTXTG, true, nil
}

// validGB18030 decodes rd and reports whether it was all valid: the
// decoder turns invalid bytes into U+FFFD, which genuine text practically
// never holds.
func validGB18030(rd io.Reader) (bool, error) {
	tr := transform.NewReader(rd, simplifiedchinese.GB18030.NewDecoder())
	buf := make([]byte, 64<<10)
	var carry int
	for {
		n, err := tr.Read(buf[carry:])
		all := buf[:carry+n]
		carry = 0
		for len(all) > 0 {
			c, w := utf8.DecodeRune(all)
			if c == utf8.RuneError && w <= 1 {
				if !utf8.FullRune(all) {
					carry = copy(buf, all)
					break
				}
				return false, nil
			}
			if c == unicode.ReplacementChar {
				return false, nil
			}
			all = all[w:]
		}
		if err == io.EOF {
			return carry == 0, nil
		}
		if err != nil {
			return false, fmt.Errorf("files: read text: %w", err)
		}
	}
}

// SafeName returns the client's file name without any path, for storage
// and Content-Disposition. Chinese characters are kept byte for byte.
func SafeName(name string) (string, error) {
	bad := func(why string) (string, error) {
		// The caller prefixes "文件名无效：".
		return "", &DetectError{Code: CodeInvalidName, Message: why}
	}
	if !utf8.ValidString(name) {
		return bad("包含无法识别的字符")
	}
	name = strings.TrimSpace(name)
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = strings.TrimSpace(name[i+1:])
	}
	switch {
	case name == "":
		return bad("文件名为空")
	case name == "." || name == "..":
		return bad("文件名不能为 . 或 ..")
	case len(name) > 255:
		return bad("文件名过长（不得超过 255 字节）")
	}
	for _, c := range name {
		// Bidi overrides make "报告\u202Efdp.exe" read as "报告exe.pdf".
		if unicode.IsControl(c) || unicode.Is(unicode.Bidi_Control, c) || c == '\uFEFF' {
			return bad("包含控制字符")
		}
	}
	return name, nil
}
