//! The x87 80-bit `long double` that Redis's INCRBYFLOAT computes in, in
//! software: parsing as `strtold` does (correctly rounded to a 64-bit
//! significand), addition rounded to nearest-even, and printing as
//! `"%.17Lf"` with Redis's trimming (`ld2string` in human mode). With f64
//! the digits differ: Redis answers `INCRBYFLOAT x 1000.1` with
//! `1000.09999999999999998`, which only this precision reproduces.

/// Longest number Redis parses (`MAX_LONG_DOUBLE_CHARS`).
const MAX_CHARS: usize = 5 * 1024;
/// Binary exponent bounds of the format, for `mant * 2^exp` with a 64-bit
/// `mant` whose top bit is set: above `MAX_EXP` is infinity, below
/// `MIN_EXP` a value underflows to zero.
const MAX_EXP: i64 = 16383 - 63;
const MIN_EXP: i64 = -16445 - 63;

/// A finite value `(-1)^neg * mant * 2^exp` (`mant` 0 for zero, else
/// with bit 63 set), or an infinity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LongDouble {
    neg: bool,
    mant: u64,
    exp: i64,
    inf: bool,
}

/// A little unsigned big integer, least significant 32-bit limb first.
#[derive(Clone, Debug, Default)]
struct Big(Vec<u32>);

impl Big {
    fn from_u128(mut v: u128) -> Big {
        let mut limbs = Vec::new();
        while v > 0 {
            limbs.push(v as u32);
            v >>= 32;
        }
        Big(limbs)
    }

    fn is_zero(&self) -> bool {
        self.0.iter().all(|&l| l == 0)
    }

    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    fn bits(&self) -> u64 {
        match self.0.iter().rposition(|&l| l != 0) {
            None => 0,
            Some(i) => i as u64 * 32 + (32 - self.0[i].leading_zeros()) as u64,
        }
    }

    fn bit(&self, i: u64) -> bool {
        self.0
            .get((i / 32) as usize)
            .is_some_and(|l| l >> (i % 32) & 1 == 1)
    }

    /// True when any bit below `i` is set.
    fn any_below(&self, i: u64) -> bool {
        let full = (i / 32) as usize;
        if self.0.iter().take(full).any(|&l| l != 0) {
            return true;
        }
        let part = i % 32;
        part > 0 && self.0.get(full).is_some_and(|l| l & ((1 << part) - 1) != 0)
    }

    /// 64 bits starting at bit `from`.
    fn bits64(&self, from: u64) -> u64 {
        let mut v = 0u64;
        for k in 0..64 {
            if self.bit(from + k) {
                v |= 1 << k;
            }
        }
        v
    }

    fn mul_small(&mut self, m: u32, add: u32) {
        let mut carry = u64::from(add);
        for l in &mut self.0 {
            let v = u64::from(*l) * u64::from(m) + carry;
            *l = v as u32;
            carry = v >> 32;
        }
        if carry > 0 {
            self.0.push(carry as u32);
        }
    }

    /// Divides in place; returns the remainder.
    fn div_small(&mut self, d: u32) -> u32 {
        let mut rem = 0u64;
        for l in self.0.iter_mut().rev() {
            let v = (rem << 32) | u64::from(*l);
            *l = (v / u64::from(d)) as u32;
            rem = v % u64::from(d);
        }
        self.trim();
        rem as u32
    }

    fn shl(&mut self, n: u64) {
        let limbs = (n / 32) as usize;
        let bits = (n % 32) as u32;
        if bits > 0 {
            let mut carry = 0u32;
            for l in &mut self.0 {
                let v = (*l << bits) | carry;
                carry = *l >> (32 - bits);
                *l = v;
            }
            if carry > 0 {
                self.0.push(carry);
            }
        }
        self.0.splice(0..0, std::iter::repeat(0).take(limbs));
    }

    /// Decimal digits.
    fn to_decimal(&self) -> String {
        let mut n = self.clone();
        n.trim();
        if n.is_zero() {
            return "0".into();
        }
        let mut chunks = Vec::new();
        while !n.is_zero() {
            chunks.push(n.div_small(1_000_000_000));
        }
        let mut s = chunks.pop().unwrap_or(0).to_string();
        for c in chunks.iter().rev() {
            s.push_str(&format!("{c:09}"));
        }
        s
    }
}

/// Rounds `n * 2^exp` (plus a sticky remainder below it) to a 64-bit
/// significand, to nearest-even.
fn round_big(neg: bool, n: &Big, exp: i64, sticky: bool) -> LongDouble {
    let bits = n.bits();
    if bits == 0 {
        return LongDouble::zero(neg);
    }
    if bits <= 64 {
        let v = n.bits64(0);
        let shift = 64 - bits;
        return LongDouble::finite(neg, v << shift, exp - shift as i64);
    }
    let drop = bits - 64;
    let mut mant = n.bits64(drop);
    let half = n.bit(drop - 1);
    let rest = n.any_below(drop - 1) || sticky;
    let mut e = exp + drop as i64;
    if half && (rest || mant & 1 == 1) {
        mant = mant.wrapping_add(1);
        if mant == 0 {
            mant = 1 << 63;
            e += 1;
        }
    }
    LongDouble::finite(neg, mant, e)
}

impl LongDouble {
    /// Zero.
    pub const ZERO: LongDouble = LongDouble {
        neg: false,
        mant: 0,
        exp: 0,
        inf: false,
    };

    fn zero(neg: bool) -> LongDouble {
        LongDouble { neg, ..Self::ZERO }
    }

    fn finite(neg: bool, mant: u64, exp: i64) -> LongDouble {
        if mant != 0 && exp > MAX_EXP {
            return LongDouble {
                neg,
                mant: 0,
                exp: 0,
                inf: true,
            };
        }
        LongDouble {
            neg,
            mant,
            exp,
            inf: false,
        }
    }

    /// False for the infinities.
    pub fn is_finite(self) -> bool {
        !self.inf
    }

    /// Parses as Redis's `string2ld`: `strtold` over the whole string (no
    /// leading space), refusing NaN and results out of range.
    pub fn parse(s: &[u8]) -> Option<LongDouble> {
        if s.is_empty() || s.len() >= MAX_CHARS || s[0].is_ascii_whitespace() {
            return None;
        }
        let (neg, body) = match s[0] {
            b'-' => (true, &s[1..]),
            b'+' => (false, &s[1..]),
            _ => (false, s),
        };
        let lower = body.to_ascii_lowercase();
        if lower == b"inf" || lower == b"infinity" {
            return Some(LongDouble {
                neg,
                mant: 0,
                exp: 0,
                inf: true,
            });
        }
        if lower.len() > 2 && lower.starts_with(b"0x") {
            return parse_hex(neg, &lower[2..]);
        }
        parse_decimal(neg, body)
    }

    /// `"%.17Lf"` with the trailing zeros (and a bare point) removed, and
    /// `-0` written `0` (`ld2string` in `LD_STR_HUMAN` mode).
    pub fn to_human_string(self) -> String {
        if self.inf {
            return if self.neg { "-inf" } else { "inf" }.into();
        }
        let mut s = String::new();
        if self.neg {
            s.push('-');
        }
        const FRAC: usize = 17;
        let digits = if self.exp >= 0 {
            let mut n = Big::from_u128(u128::from(self.mant));
            n.shl(self.exp as u64);
            let mut d = n.to_decimal();
            d.push_str(&"0".repeat(FRAC));
            d
        } else {
            // round(mant * 10^17 / 2^-exp), ties to even, as glibc.
            let x = u128::from(self.mant) * 10u128.pow(FRAC as u32);
            let shift = (-self.exp) as u32;
            let q = if shift >= 128 {
                0
            } else {
                let q = x >> shift;
                let rem = x & ((1u128 << shift) - 1);
                let half = 1u128 << (shift - 1);
                if rem > half || (rem == half && q & 1 == 1) {
                    q + 1
                } else {
                    q
                }
            };
            format!("{q:0>width$}", width = FRAC + 1)
        };
        let (int, frac) = digits.split_at(digits.len() - FRAC);
        s.push_str(int);
        let frac = frac.trim_end_matches('0');
        if !frac.is_empty() {
            s.push('.');
            s.push_str(frac);
        }
        if s == "-0" {
            s = "0".into();
        }
        s
    }
}

impl std::ops::Add for LongDouble {
    type Output = LongDouble;

    /// The sum, rounded to nearest-even.
    fn add(self, other: LongDouble) -> LongDouble {
        if self.inf || other.inf {
            // inf - inf is NaN, which the caller refuses like infinity.
            return LongDouble {
                neg: if self.inf { self.neg } else { other.neg },
                mant: 0,
                exp: 0,
                inf: true,
            };
        }
        if other.mant == 0 {
            return if self.mant == 0 {
                LongDouble::zero(self.neg && other.neg)
            } else {
                self
            };
        }
        if self.mant == 0 {
            return other;
        }
        // The larger magnitude first.
        let (a, b) = if (self.exp, self.mant) >= (other.exp, other.mant) {
            (self, other)
        } else {
            (other, self)
        };
        let d = (a.exp - b.exp) as u64;
        // Significands at bits 62..125, so the sum cannot overflow and 62
        // guard bits remain; what b loses below them is a sticky bit.
        let big_a = u128::from(a.mant) << 62;
        let big_b = if d >= 126 {
            1
        } else {
            let full = u128::from(b.mant) << 62;
            let shifted = full >> d;
            let lost = d > 0 && full & ((1u128 << d) - 1) != 0;
            shifted | u128::from(lost)
        };
        let base = a.exp - 62;
        if a.neg == b.neg {
            round_big(a.neg, &Big::from_u128(big_a + big_b), base, false)
        } else {
            let diff = big_a - big_b;
            if diff == 0 {
                return LongDouble::ZERO;
            }
            round_big(a.neg, &Big::from_u128(diff), base, false)
        }
    }
}

/// `[digits][.digits][e[+-]digits]`, all of it, at least one digit.
fn parse_decimal(neg: bool, s: &[u8]) -> Option<LongDouble> {
    let mut i = 0;
    let mut n = Big::default();
    let mut any = false;
    let mut scale: i64 = 0;
    let mut significant = 0usize;
    while i < s.len() && s[i].is_ascii_digit() {
        n.mul_small(10, u32::from(s[i] - b'0'));
        any = true;
        i += 1;
    }
    if i < s.len() && s[i] == b'.' {
        i += 1;
        while i < s.len() && s[i].is_ascii_digit() {
            n.mul_small(10, u32::from(s[i] - b'0'));
            scale -= 1;
            any = true;
            i += 1;
        }
    }
    if !any {
        return None;
    }
    if i < s.len() && (s[i] == b'e' || s[i] == b'E') {
        // "1e" stops before the e: not all of the string.
        let (e, end) = exponent(s, i + 1)?;
        scale += e;
        i = end;
    }
    if i != s.len() {
        return None;
    }
    n.trim();
    if n.is_zero() {
        return Some(LongDouble::zero(neg));
    }
    significant += n.to_decimal().len();
    // Far out of range either way: ERANGE, which Redis refuses.
    let magnitude = significant as i64 + scale;
    if !(-4960..=4934).contains(&magnitude) {
        return None;
    }
    let v = if scale >= 0 {
        for _ in 0..scale {
            n.mul_small(10, 0);
        }
        round_big(neg, &n, 0, false)
    } else {
        // n / 10^m with enough bits: (n << k) / 10^m, the remainder sticky.
        let m = (-scale) as u64;
        let k = (m * 4 + 70).saturating_sub(n.bits()) + 70;
        n.shl(k);
        let mut sticky = false;
        let mut left = m;
        while left > 0 {
            let step = left.min(9);
            sticky |= n.div_small(10u32.pow(step as u32)) != 0;
            left -= step;
        }
        round_big(neg, &n, -(k as i64), sticky)
    };
    check_range(v)
}

/// The signed decimal exponent starting at `s[j]` (just after its `e` or
/// `p`), its magnitude capped far past any finite value, and where it ends;
/// `None` when no digit follows.
fn exponent(s: &[u8], mut j: usize) -> Option<(i64, usize)> {
    let neg = match s.get(j) {
        Some(b'-') => {
            j += 1;
            true
        }
        Some(b'+') => {
            j += 1;
            false
        }
        _ => false,
    };
    let start = j;
    let mut e: i64 = 0;
    while j < s.len() && s[j].is_ascii_digit() {
        e = (e * 10 + i64::from(s[j] - b'0')).min(1 << 40);
        j += 1;
    }
    if j == start {
        return None;
    }
    Some((if neg { -e } else { e }, j))
}

/// `0x` then hex digits, an optional point, an optional `p` exponent.
fn parse_hex(neg: bool, s: &[u8]) -> Option<LongDouble> {
    let mut i = 0;
    let mut n = Big::default();
    let mut any = false;
    let mut exp: i64 = 0;
    let hex = |b: u8| (b as char).to_digit(16);
    while i < s.len() && hex(s[i]).is_some() {
        n.mul_small(16, hex(s[i])?);
        any = true;
        i += 1;
    }
    if i < s.len() && s[i] == b'.' {
        i += 1;
        while i < s.len() && hex(s[i]).is_some() {
            n.mul_small(16, hex(s[i])?);
            exp -= 4;
            any = true;
            i += 1;
        }
    }
    if !any {
        return None;
    }
    if i < s.len() && s[i] == b'p' {
        let (e, end) = exponent(s, i + 1)?;
        exp += e;
        i = end;
    }
    if i != s.len() {
        return None;
    }
    check_range(round_big(neg, &n, exp, false))
}

/// strtold's ERANGE cases that Redis refuses: overflow to infinity and
/// underflow to zero.
fn check_range(v: LongDouble) -> Option<LongDouble> {
    if v.inf || (v.mant != 0 && v.exp < MIN_EXP) {
        return None;
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::LongDouble;

    fn sum(a: &str, b: &str) -> String {
        let a = LongDouble::parse(a.as_bytes()).unwrap();
        let b = LongDouble::parse(b.as_bytes()).unwrap();
        (a + b).to_human_string()
    }

    /// Each answer is what redis-server 7.0.15 (x86-64) replied.
    #[test]
    fn as_redis_prints_them() {
        assert_eq!(sum("0", "1000.1"), "1000.09999999999999998");
        assert_eq!(
            sum("1000.09999999999999998", "0.2"),
            "1000.29999999999999999"
        );
        assert_eq!(sum("0", "0.1"), "0.1");
        assert_eq!(sum("0.1", "0.2"), "0.3");
        assert_eq!(sum("1.1", "0.2"), "1.3");
        assert_eq!(sum("0", "5.0e3"), "5000");
        assert_eq!(sum("5000", "0.2"), "5000.20000000000000018");
        assert_eq!(sum("0", "3.14159265358979323846"), "3.14159265358979324");
        assert_eq!(sum("3.14159265358979324", "0.2"), "3.34159265358979324");
        assert_eq!(sum("0", "1e20"), "100000000000000000000");
        assert_eq!(
            sum("0", "123456789.123456789"),
            "123456789.12345678899873747"
        );
        assert_eq!(
            sum("123456789.12345678899873747", "0.2"),
            "123456789.32345678899582708"
        );
        assert_eq!(sum("0", "1e-20"), "0");
        assert!(
            sum("0", "1.7976931348623157e308").starts_with("17976931348623156999592104677410443")
        );
        assert_eq!(sum("1.5", "-1.5"), "0");
        assert_eq!(sum("-0.5", "0.25"), "-0.25");
        assert_eq!(sum("0x10", "0"), "16");
    }

    #[test]
    fn strtold_refusals() {
        for bad in [
            "", " 1", "1 ", "abc", "1e", "nan", "1e5000", "1e-5000", ".", "-", "0x",
        ] {
            assert!(LongDouble::parse(bad.as_bytes()).is_none(), "{bad}");
        }
        assert!(!LongDouble::parse(b"inf").unwrap().is_finite());
        assert!(LongDouble::parse(b"1.").is_some());
        assert!(LongDouble::parse(b".5").is_some());
    }
}
