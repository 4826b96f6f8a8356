package files

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
	"path"
	"strings"
)

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
				if h.checkField(kind+":custom:"+name, name, text.String()) {
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
	inInfo := 0           // depth inside DocInfo, 0 outside
	var cur, field string // field: the CustomData name
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
				cur, field, curDepth = t.Name.Local, "", inInfo
				text.Reset()
				if cur == "CustomData" {
					for _, a := range t.Attr {
						if a.Name.Local == "Name" {
							cur, field = cur+":"+a.Value, a.Value
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
				if h.checkField("ofd:"+cur, field, text.String()) {
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
