package mailin_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// benchMessage is a distinct message with a 100 KB PDF attachment.
func benchMessage(i int) []byte {
	rng := rand.New(rand.NewPCG(uint64(i), 1))
	pdf := make([]byte, 100<<10)
	copy(pdf, "%PDF-1.4\n")
	for j := 9; j < len(pdf)-8; j++ {
		pdf[j] = byte('a' + rng.IntN(26))
	}
	copy(pdf[len(pdf)-7:], "\n%%EOF\n")
	enc := base64.StdEncoding.EncodeToString(pdf)
	var b64 strings.Builder
	for len(enc) > 76 {
		b64.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b64.WriteString(enc)
	return []byte(fmt.Sprintf("From: ban@beicheng.gov.example\r\nTo: shouwen@xicheng.gov.example\r\nDate: Mon, 23 Nov 2026 09:00:00 +0800\r\n"+
		"Message-ID: <bench-%d@gov.example>\r\nSubject: =?UTF-8?B?%s?=\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"+
		"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n各有关单位：请查收附件（北政发〔2026〕%d号）。\r\n"+
		"--b\r\nContent-Type: application/pdf; name=\"fujian%d.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n%s\r\n--b--\r\n",
		i, base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("北城市人民政府关于第%d项工作的通知", i))), i, i, b64.String()))
}

// BenchmarkIngest: messages with a 100 KB attachment taken in from go-imap's
// server on 127.0.0.1 (fetch, parse, store, one transaction, move), per
// message; the baseline is fetching the same messages alone.
func BenchmarkIngest(b *testing.B) {
	e := newEnv(b)
	srv := startIMAP(b)
	e.G.Mail.SetTuning(fastTuning(false))
	box := addMailbox(b, e, srv, false)
	const batch = 50
	var ours, fetchOnly time.Duration
	msgs := 0
	for i := 0; b.Loop(); i++ {
		for j := range batch {
			srv.Append(b, "INBOX", benchMessage(i*batch+j))
		}
		fetchOnly += srv.FetchNew(b, "INBOX")
		t1 := time.Now()
		if err := e.G.Mail.Start(context.Background()); err != nil {
			b.Fatal(err)
		}
		for {
			r, _ := ledger(b, e, box)
			if r >= (i+1)*batch {
				break
			}
			time.Sleep(2 * time.Millisecond)
		}
		ours += time.Since(t1)
		e.G.Mail.Stop()
		msgs += batch
	}
	b.ReportMetric(float64(ours.Milliseconds())/float64(msgs), "ms/msg")
	b.ReportMetric(float64(msgs)/ours.Seconds(), "msgs/s")
	b.ReportMetric(float64(fetchOnly.Milliseconds())/float64(msgs), "fetch-ms/msg")
	b.ReportMetric(float64(ours)/float64(fetchOnly), "vs_fetch_ratio")
}
