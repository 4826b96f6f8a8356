package security

import (
	"regexp"
	"strings"
)

// MaskIDNumber shows the region code and the last four characters of a
// 身份证号: 110101********1234.
func MaskIDNumber(s string) string {
	r := []rune(s)
	if len(r) <= 10 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:6]) + strings.Repeat("*", len(r)-10) + string(r[len(r)-4:])
}

// MaskPhone keeps the first three and last four digits: 138****5678.
func MaskPhone(s string) string {
	r := []rune(s)
	if len(r) <= 7 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:3]) + strings.Repeat("*", len(r)-7) + string(r[len(r)-4:])
}

var idNumberShape = regexp.MustCompile(`^[1-9]\d{16}[\dX]$`)

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const idCheckChars = "10X98765432"

// ValidIDNumber checks an 18-character 居民身份证号 against GB 11643-1999:
// shape, a plausible birth date and the ISO 7064 MOD 11-2 check character.
func ValidIDNumber(s string) bool {
	s = strings.ToUpper(strings.TrimSpace(s))
	if !idNumberShape.MatchString(s) {
		return false
	}
	month := (s[10]-'0')*10 + (s[11] - '0')
	day := (s[12]-'0')*10 + (s[13] - '0')
	if month < 1 || month > 12 || day < 1 || day > 31 {
		return false
	}
	return s[17] == IDCheckChar(s[:17])
}

// IDCheckChar computes the GB 11643 check character of the first 17 digits.
func IDCheckChar(first17 string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(first17[i]-'0') * idWeights[i]
	}
	return idCheckChars[sum%11]
}

var phoneShape = regexp.MustCompile(`^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$`)

// ValidPhone accepts a mainland mobile number or a landline with area code.
func ValidPhone(s string) bool {
	return phoneShape.MatchString(strings.TrimSpace(s))
}
