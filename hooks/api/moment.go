package api

import (
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/tools/types"
)

// ParseMoment reads RFC 3339, "2006-01-02 15:04" or a bare date (Asia/
// Shanghai; a bare deadline date means the end of that day).
func ParseMoment(field, raw string, endOfDay bool) (types.DateTime, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return types.DateTime{}, nil
	}
	var t time.Time
	var err error
	if t, err = time.Parse(time.RFC3339, raw); err != nil {
		if t, err = time.ParseInLocation("2006-01-02 15:04", raw, Shanghai); err != nil {
			if t, err = time.ParseInLocation("2006-01-02T15:04", raw, Shanghai); err != nil {
				if t, err = time.ParseInLocation("2006-01-02", raw, Shanghai); err != nil {
					return types.DateTime{}, BadField(field, "invalid", "时间格式应为 2026-11-30 或 2026-11-30 17:00")
				}
				if endOfDay {
					t = t.Add(24*time.Hour - time.Second)
				}
			}
		}
	}
	d, _ := types.ParseDateTime(t)
	return d, nil
}
