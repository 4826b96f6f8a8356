package mailin

import (
	"archive/zip"
	"bytes"
	"io"
	"path"
	"strings"
)

// Zip-based attachments (.zip, and .docx/.xlsx/.pptx/.ofd, which are zips)
// are inflated under a budget before anything else reads them: a zip bomb
// declares small sizes and inflates to gigabytes, or nests zips in zips.

const maxZipNesting = 3

func (p *parser) checkZip(name string, data []byte) error {
	if len(data) < 4 || !bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return nil
	}
	return p.inflateZip(name, data, 0)
}

func (p *parser) inflateZip(name string, data []byte, depth int) error {
	if depth > maxZipNesting {
		return quarantine("zip_bomb", "附件「%s」压缩包嵌套过深", name)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		if strings.EqualFold(path.Ext(name), ".zip") {
			return quarantine("malformed", "附件「%s」压缩包已损坏", name)
		}
		return nil // a file that merely starts like a zip: the files service judges it
	}
	if len(zr.File) > 10000 {
		return quarantine("zip_bomb", "附件「%s」压缩包内文件过多（%d 个）", name, len(zr.File))
	}
	for _, f := range zr.File {
		declared := int64(f.UncompressedSize64)
		if declared < 0 || p.zipped+declared > p.lim.MaxExpanded {
			return bomb(name)
		}
		if f.CompressedSize64 > 0 && declared/int64(f.CompressedSize64) > p.lim.MaxRatio && declared > 1<<20 {
			return bomb(name)
		}
		rc, err := f.Open()
		if err != nil {
			continue // unsupported method or encrypted: nothing inflated
		}
		budget := p.lim.MaxExpanded - p.zipped
		var inner bytes.Buffer
		keep := strings.EqualFold(path.Ext(f.Name), ".zip")
		var w io.Writer = io.Discard
		if keep {
			w = &inner
		}
		n, err := io.Copy(w, io.LimitReader(rc, budget+1))
		rc.Close()
		p.zipped += n
		if n > budget || (declared > 0 && n > declared*2+1024) {
			return bomb(name) // it inflates beyond what it declared or the budget
		}
		if err != nil {
			return quarantine("malformed", "附件「%s」压缩包已损坏", name)
		}
		if keep {
			if err := p.inflateZip(name, inner.Bytes(), depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

func bomb(name string) error {
	return quarantine("zip_bomb", "附件「%s」解压后体积异常（疑似压缩炸弹），已拦截", name)
}
