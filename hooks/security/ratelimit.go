package security

import (
	"net/netip"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// loginLimiter counts password logins per client address in one-second
// windows (PocketBase's own limiter covers the rest of the API).
type loginLimiter struct {
	mu     sync.Mutex
	second int64
	counts map[string]int
}

func newLoginLimiter() *loginLimiter { return &loginLimiter{counts: map[string]int{}} }

// allow counts one login from ip; first says this is the first refusal of
// ip in this second.
func (l *loginLimiter) allow(ip string, perSecond int, now time.Time) (ok, first bool) {
	if perSecond <= 0 {
		return true, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if sec := now.Unix(); sec != l.second {
		l.second, l.counts = sec, map[string]int{}
	}
	l.counts[ip]++
	n := l.counts[ip]
	return n <= perSecond, n == perSecond+1
}

// trusted reports whether ip lies in one of the settings' trusted CIDRs.
func (a *Auth) trusted(app core.App, ip string) bool {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	for _, c := range a.sessions.Settings.Get(app).TrustedIPs {
		if p, err := netip.ParsePrefix(c); err == nil && p.Contains(addr.Unmap()) {
			return true
		}
	}
	return false
}
