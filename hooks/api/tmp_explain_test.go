package api_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
)

func BenchmarkTmpExplain(b *testing.B) {
	env := benchSetup(b)
	db := env.app.DB()
	var lo string
	db.NewQuery("SELECT unit_path FROM users WHERE username='bench.leader'").Row(&lo)
	hi := lo[:len(lo)-1] + "0"
	p := dbx.Params{"lo": lo, "hi": hi}
	for _, sql := range []string{
		"SELECT bench_items.* FROM bench_items WHERE ((bench_items.unit_path >= {:lo} AND bench_items.unit_path < {:hi})) ORDER BY created DESC, id ASC LIMIT 20",
		"SELECT bench_items.* FROM bench_items WHERE ((bench_items.unit_path >= {:lo} AND bench_items.unit_path < {:hi})) ORDER BY created DESC LIMIT 20",
		"SELECT bench_items.* FROM bench_items WHERE unit_path LIKE '%' || {:lo} || '%' ORDER BY created DESC LIMIT 20",
		"SELECT COUNT(*) FROM bench_items WHERE ((bench_items.unit_path >= {:lo} AND bench_items.unit_path < {:hi}))",
		"SELECT COUNT(DISTINCT bench_items.id) FROM bench_items WHERE unit_path LIKE '%' || {:lo} || '%'",
	} {
		var rows []struct {
			ID     int    `db:"id"`
			Parent int    `db:"parent"`
			Detail string `db:"detail"`
		}
		db.NewQuery("EXPLAIN QUERY PLAN " + sql).Bind(p).All(&rows)
		t0 := time.Now()
		var x []dbx.NullStringMap
		db.NewQuery(sql).Bind(p).All(&x)
		fmt.Println(sql, time.Since(t0), len(x))
		for _, r := range rows {
			fmt.Println("   ", r.Detail)
		}
	}
}

func BenchmarkTmpExplain2(b *testing.B) {
	env := benchSetup(b)
	db := env.app.DB()
	var lo string
	db.NewQuery("SELECT unit_path FROM users WHERE username='bench.leader'").Row(&lo)
	hi := lo[:len(lo)-1] + "0"
	p := dbx.Params{"lo": lo, "hi": hi}
	var opts []string
	db.NewQuery("PRAGMA compile_options").Column(&opts)
	fmt.Println(opts)
	for _, sql := range []string{
		"SELECT bench_items.* FROM bench_items WHERE +((bench_items.unit_path >= {:lo} AND bench_items.unit_path < {:hi})) ORDER BY created DESC, id ASC LIMIT 20",
		"SELECT 1 FROM bench_items WHERE ((bench_items.unit_path >= {:lo} AND bench_items.unit_path < {:hi})) LIMIT 1 OFFSET 2000",
		"SELECT MAX(rowid) FROM bench_items",
	} {
		var rows []struct {
			ID     int    `db:"id"`
			Parent int    `db:"parent"`
			Detail string `db:"detail"`
		}
		db.NewQuery("EXPLAIN QUERY PLAN " + sql).Bind(p).All(&rows)
		for range 3 {
		t0 := time.Now()
		var x []dbx.NullStringMap
		db.NewQuery(sql).Bind(p).All(&x)
		fmt.Println(sql, time.Since(t0), len(x))
		}
		for _, r := range rows {
			fmt.Println("   ", r.Detail)
		}
	}
}

func BenchmarkTmpExplain3(b *testing.B) {
	env := benchSetup(b)
	db := env.app.DB()
	var lo string
	db.NewQuery("SELECT unit_path FROM users WHERE username='bench.leader'").Row(&lo)
	hi := lo[:len(lo)-1] + "0"
	_, err := db.NewQuery("ANALYZE").Execute()
	fmt.Println("analyze", err)
	for _, lo := range []string{lo, lo + "0003/0004/"} {
	hi := lo[:len(lo)-1] + "0"
	p := dbx.Params{"lo": lo, "hi": hi}
	for _, sql := range []string{
		"SELECT bench_items.* FROM bench_items WHERE ((bench_items.unit_path >= {:lo} AND bench_items.unit_path < {:hi})) ORDER BY created DESC, id ASC LIMIT 20",
	} {
		var rows []struct {
			ID     int    `db:"id"`
			Parent int    `db:"parent"`
			Detail string `db:"detail"`
		}
		db.NewQuery("EXPLAIN QUERY PLAN " + sql).Bind(p).All(&rows)
		for range 3 {
		t0 := time.Now()
		var x []dbx.NullStringMap
		db.NewQuery(sql).Bind(p).All(&x)
		fmt.Println(lo, hi, time.Since(t0), len(x))
		}
		for _, r := range rows {
			fmt.Println("   ", r.Detail)
		}
	}
	}
	_ = hi
}
