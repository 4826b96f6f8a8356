package security

import "strings"

// creditCharset is the GB 32100-2015 character set for 统一社会信用代码:
// digits and upper-case letters without I, O, Z, S and V. A character's
// value is its index here.
const creditCharset = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var creditWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// creditAuthorities are the 登记管理部门代码 of position 1: 1 机构编制,
// 5 民政, 9 工商 (市场监管), Y 其他, and the further codes GB 32100 lists
// (2-8 for other departments, A 宗教, N 农业).
const creditAuthorities = "123456789ANY"

// ValidCreditCode checks an 18-character 统一社会信用代码 against
// GB 32100-2015: charset, a known registration authority in position 1, a
// digit administrative division (positions 3-8) and the MOD 31 check
// character. Surrounding spaces are ignored and lower case is accepted.
func ValidCreditCode(s string) bool {
	s = strings.ToUpper(strings.TrimSpace(s))
	if len(s) != 18 {
		return false
	}
	if strings.IndexByte(creditAuthorities, s[0]) < 0 {
		return false
	}
	for i := 2; i < 8; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	c, ok := CreditCheckChar(s[:17])
	return ok && s[17] == c
}

// CreditCheckChar computes the check character (position 18) of the first
// 17 characters of a 统一社会信用代码: 31 - (Σ value×weight mod 31), where
// 31 becomes 0. ok is false if first17 is not 17 characters of the charset
// (upper case).
func CreditCheckChar(first17 string) (byte, bool) {
	if len(first17) != 17 {
		return 0, false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(creditCharset, first17[i])
		if v < 0 {
			return 0, false
		}
		sum += v * creditWeights[i]
	}
	return creditCharset[(31-sum%31)%31], true
}

// MaskCreditCode keeps the authority, type and division code and the last
// two characters: 91110108********1X. A 信用代码 is public for enterprises,
// but a 个体工商户's can point to a person, so lists show it masked.
func MaskCreditCode(s string) string {
	r := []rune(strings.ToUpper(strings.TrimSpace(s)))
	if len(r) <= 10 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:8]) + strings.Repeat("*", len(r)-10) + string(r[len(r)-2:])
}
