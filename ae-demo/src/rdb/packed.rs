//! The compact encodings Redis writes aggregates in, read element by
//! element: listpack (`listpack.c`, Redis 7), ziplist (`ziplist.c`, the
//! files of Redis 6 and older) and intset (`intset.c`). Every length and
//! count is checked against the blob, so a corrupt one is an `Err` naming
//! what was wrong, never a read out of bounds.

/// One element: an integer or a string, as both list formats store them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Elem<'a> {
    /// Stored as an integer.
    Int(i64),
    /// Stored as bytes.
    Str(&'a [u8]),
}

impl Elem<'_> {
    /// The element as the string Redis would reply with.
    pub fn to_vec(self) -> Vec<u8> {
        match self {
            Elem::Int(v) => v.to_string().into_bytes(),
            Elem::Str(s) => s.to_vec(),
        }
    }

    /// The element as a sorted-set score (`zzlGetScore`: an integer, or a
    /// string read as strtod reads it).
    pub fn score(self) -> Result<f64, String> {
        match self {
            Elem::Int(v) => Ok(v as f64),
            Elem::Str(s) => parse_score(s),
        }
    }
}

/// A score written as text (`%.17g`, "inf", "-inf").
pub fn parse_score(s: &[u8]) -> Result<f64, String> {
    std::str::from_utf8(s)
        .ok()
        .and_then(|t| t.parse::<f64>().ok())
        .ok_or_else(|| format!("score {:?} is not a number", String::from_utf8_lossy(s)))
}

/// `n` bytes of `blob` at `at`, or an error naming `what`.
fn get<'a>(blob: &'a [u8], at: usize, n: usize, what: &str) -> Result<&'a [u8], String> {
    at.checked_add(n)
        .and_then(|end| blob.get(at..end))
        .ok_or_else(|| {
            format!(
                "{what} at byte {at} runs past the end ({} bytes)",
                blob.len()
            )
        })
}

fn le_u32(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

/// Calls `f` with each element of listpack `lp`.
pub fn listpack<'a>(
    lp: &'a [u8],
    mut f: impl FnMut(Elem<'a>) -> Result<(), String>,
) -> Result<(), String> {
    let header = get(lp, 0, 6, "listpack header")?;
    let total = le_u32(header) as usize;
    if total != lp.len() {
        return Err(format!("listpack says {total} bytes but has {}", lp.len()));
    }
    let count = u16::from_le_bytes([header[4], header[5]]);
    let mut p = 6;
    let mut n: usize = 0;
    loop {
        let b0 = get(lp, p, 1, "listpack entry")?[0];
        if b0 == 0xFF {
            break;
        }
        let (elem, size) = match b0 {
            0x00..=0x7F => (Elem::Int(i64::from(b0)), 1),
            0x80..=0xBF => {
                let len = usize::from(b0 & 0x3F);
                (Elem::Str(get(lp, p + 1, len, "listpack string")?), 1 + len)
            }
            0xC0..=0xDF => {
                let b1 = get(lp, p + 1, 1, "listpack integer")?[0];
                let u = (i64::from(b0 & 0x1F) << 8) | i64::from(b1);
                // 13 bits, two's complement.
                let v = if u >= 1 << 12 { u - (1 << 13) } else { u };
                (Elem::Int(v), 2)
            }
            0xE0..=0xEF => {
                let b1 = get(lp, p + 1, 1, "listpack string length")?[0];
                let len = (usize::from(b0 & 0x0F) << 8) | usize::from(b1);
                (Elem::Str(get(lp, p + 2, len, "listpack string")?), 2 + len)
            }
            0xF0 => {
                let len = le_u32(get(lp, p + 1, 4, "listpack string length")?) as usize;
                (Elem::Str(get(lp, p + 5, len, "listpack string")?), 5 + len)
            }
            0xF1 => {
                let b = get(lp, p + 1, 2, "listpack integer")?;
                (Elem::Int(i64::from(i16::from_le_bytes([b[0], b[1]]))), 3)
            }
            0xF2 => {
                let b = get(lp, p + 1, 3, "listpack integer")?;
                // Sign-extended from 24 bits.
                let v = i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8;
                (Elem::Int(i64::from(v)), 4)
            }
            0xF3 => {
                let b = get(lp, p + 1, 4, "listpack integer")?;
                (Elem::Int(i64::from(le_u32(b) as i32)), 5)
            }
            0xF4 => {
                let b = get(lp, p + 1, 8, "listpack integer")?;
                let mut w = [0u8; 8];
                w.copy_from_slice(b);
                (Elem::Int(i64::from_le_bytes(w)), 9)
            }
            _ => return Err(format!("listpack entry at byte {p} has encoding {b0:#04x}")),
        };
        // The entry's length again, backwards, in 1 to 5 bytes
        // (`lpEncodeBacklen`).
        let back = match size {
            0..=127 => 1,
            128..=16382 => 2,
            16383..=2097150 => 3,
            2097151..=268435454 => 4,
            _ => 5,
        };
        get(lp, p, size + back, "listpack entry")?;
        p += size + back;
        n += 1;
        f(elem)?;
    }
    if p + 1 != lp.len() {
        return Err(format!("listpack ends at byte {p} of {}", lp.len()));
    }
    if count != u16::MAX && usize::from(count) != n {
        return Err(format!("listpack says {count} entries but has {n}"));
    }
    Ok(())
}

/// Calls `f` with each element of ziplist `zl`.
pub fn ziplist<'a>(
    zl: &'a [u8],
    mut f: impl FnMut(Elem<'a>) -> Result<(), String>,
) -> Result<(), String> {
    let header = get(zl, 0, 10, "ziplist header")?;
    let total = le_u32(header) as usize;
    if total != zl.len() {
        return Err(format!("ziplist says {total} bytes but has {}", zl.len()));
    }
    let count = u16::from_le_bytes([header[8], header[9]]);
    let mut p = 10;
    let mut n: usize = 0;
    loop {
        let b0 = get(zl, p, 1, "ziplist entry")?[0];
        if b0 == 0xFF {
            break;
        }
        // The previous entry's length: one byte, or 0xFE and four.
        p += if b0 < 0xFE { 1 } else { 5 };
        let enc = get(zl, p, 1, "ziplist entry encoding")?[0];
        let (elem, size) = match enc >> 6 {
            0 => {
                let len = usize::from(enc & 0x3F);
                (Elem::Str(get(zl, p + 1, len, "ziplist string")?), 1 + len)
            }
            1 => {
                let b1 = get(zl, p + 1, 1, "ziplist string length")?[0];
                let len = (usize::from(enc & 0x3F) << 8) | usize::from(b1);
                (Elem::Str(get(zl, p + 2, len, "ziplist string")?), 2 + len)
            }
            2 => {
                let b = get(zl, p + 1, 4, "ziplist string length")?;
                let len = u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize;
                (Elem::Str(get(zl, p + 5, len, "ziplist string")?), 5 + len)
            }
            _ => {
                let width = match enc {
                    0xC0 => 2,
                    0xD0 => 4,
                    0xE0 => 8,
                    0xF0 => 3,
                    0xFE => 1,
                    0xF1..=0xFD => 0,
                    _ => return Err(format!("ziplist entry at byte {p} has encoding {enc:#04x}")),
                };
                let b = get(zl, p + 1, width, "ziplist integer")?;
                let v = match width {
                    0 => i64::from(enc & 0x0F) - 1,
                    1 => i64::from(b[0] as i8),
                    2 => i64::from(i16::from_le_bytes([b[0], b[1]])),
                    3 => i64::from(i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8),
                    4 => i64::from(le_u32(b) as i32),
                    _ => {
                        let mut w = [0u8; 8];
                        w.copy_from_slice(b);
                        i64::from_le_bytes(w)
                    }
                };
                (Elem::Int(v), 1 + width)
            }
        };
        p += size;
        n += 1;
        f(elem)?;
    }
    if p + 1 != zl.len() {
        return Err(format!("ziplist ends at byte {p} of {}", zl.len()));
    }
    if count != u16::MAX && usize::from(count) != n {
        return Err(format!("ziplist says {count} entries but has {n}"));
    }
    Ok(())
}

/// Calls `f` with each integer of intset `is`.
pub fn intset(is: &[u8], mut f: impl FnMut(i64) -> Result<(), String>) -> Result<(), String> {
    let header = get(is, 0, 8, "intset header")?;
    let width = le_u32(header) as usize;
    if !matches!(width, 2 | 4 | 8) {
        return Err(format!("intset has integers of {width} bytes"));
    }
    let n = le_u32(&header[4..]) as usize;
    if n.checked_mul(width).and_then(|b| b.checked_add(8)) != Some(is.len()) {
        return Err(format!(
            "intset says {n} integers of {width} bytes but has {} bytes",
            is.len()
        ));
    }
    for c in is[8..].chunks_exact(width) {
        let v = match width {
            2 => i64::from(i16::from_le_bytes([c[0], c[1]])),
            4 => i64::from(le_u32(c) as i32),
            _ => {
                let mut w = [0u8; 8];
                w.copy_from_slice(c);
                i64::from_le_bytes(w)
            }
        };
        f(v)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(
        f: impl Fn(&mut dyn FnMut(Elem) -> Result<(), String>) -> Result<(), String>,
    ) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        f(&mut |e| {
            out.push(e.to_vec());
            Ok(())
        })
        .unwrap();
        out
    }

    #[test]
    fn listpack_every_encoding() {
        // Built by hand after listpack.c: 7-bit uint 5, 6-bit string "ab",
        // 13-bit int -1, int16 1000, int24 -100000, int32 1<<30, int64
        // -(1<<40), 12-bit string of 70 bytes.
        let mut body: Vec<u8> = Vec::new();
        body.extend([0x05, 0x01]);
        body.extend([0x82, b'a', b'b', 0x03]);
        body.extend([0xDF, 0xFF, 0x02]);
        body.extend([0xF1, 0xE8, 0x03, 0x03]);
        let v = (-100000i32).to_le_bytes();
        body.extend([0xF2, v[0], v[1], v[2], 0x04]);
        body.push(0xF3);
        body.extend((1i32 << 30).to_le_bytes());
        body.push(0x05);
        body.push(0xF4);
        body.extend((-(1i64 << 40)).to_le_bytes());
        body.push(0x09);
        body.extend([0xE0, 70]);
        body.extend([b'x'; 70]);
        body.push(72);
        let mut lp = Vec::new();
        lp.extend(((body.len() + 7) as u32).to_le_bytes());
        lp.extend(8u16.to_le_bytes());
        lp.extend(&body);
        lp.push(0xFF);
        let got = all(|f| listpack(&lp, f));
        let want: Vec<Vec<u8>> = [
            "5".to_string(),
            "ab".into(),
            "-1".into(),
            "1000".into(),
            "-100000".into(),
            (1i64 << 30).to_string(),
            (-(1i64 << 40)).to_string(),
            "x".repeat(70),
        ]
        .into_iter()
        .map(String::into_bytes)
        .collect();
        assert_eq!(got, want);
        for cut in 0..lp.len() {
            assert!(listpack(&lp[..cut], |_| Ok(())).is_err(), "cut {cut}");
        }
        let mut bad_count = lp.clone();
        bad_count[4] = 9;
        assert!(listpack(&bad_count, |_| Ok(())).is_err());
    }

    #[test]
    fn ziplist_every_encoding() {
        // After ziplist.c: "ab", int8 -5, int16 300, int24 -70000, int32
        // 1<<20, int64 1<<40, immediate 7, 14-bit string of 100 bytes.
        let mut entries: Vec<Vec<u8>> = vec![
            vec![0x02, b'a', b'b'],
            vec![0xFE, (-5i8) as u8],
            [vec![0xC0], 300i16.to_le_bytes().to_vec()].concat(),
            [vec![0xF0], (-70000i32).to_le_bytes()[..3].to_vec()].concat(),
            [vec![0xD0], (1i32 << 20).to_le_bytes().to_vec()].concat(),
            [vec![0xE0], (1i64 << 40).to_le_bytes().to_vec()].concat(),
            vec![0xF8],
            [vec![0x40, 100], vec![b'y'; 100]].concat(),
        ];
        let mut body = Vec::new();
        let mut prev = 0usize;
        for e in entries.drain(..) {
            body.push(prev as u8);
            body.extend(&e);
            prev = e.len() + 1;
        }
        let mut zl = Vec::new();
        zl.extend(((body.len() + 11) as u32).to_le_bytes());
        zl.extend(0u32.to_le_bytes());
        zl.extend(8u16.to_le_bytes());
        zl.extend(&body);
        zl.push(0xFF);
        let got = all(|f| ziplist(&zl, f));
        let want: Vec<Vec<u8>> = [
            "ab".to_string(),
            "-5".into(),
            "300".into(),
            "-70000".into(),
            (1i64 << 20).to_string(),
            (1i64 << 40).to_string(),
            "7".into(),
            "y".repeat(100),
        ]
        .into_iter()
        .map(String::into_bytes)
        .collect();
        assert_eq!(got, want);
        for cut in 0..zl.len() {
            assert!(ziplist(&zl[..cut], |_| Ok(())).is_err(), "cut {cut}");
        }
    }

    #[test]
    fn intset_widths() {
        let mut is = Vec::new();
        is.extend(4u32.to_le_bytes());
        is.extend(2u32.to_le_bytes());
        is.extend((-70000i32).to_le_bytes());
        is.extend(70000i32.to_le_bytes());
        let mut got = Vec::new();
        intset(&is, |v| {
            got.push(v);
            Ok(())
        })
        .unwrap();
        assert_eq!(got, [-70000, 70000]);
        assert!(intset(&is[..is.len() - 1], |_| Ok(())).is_err());
        is[0] = 3;
        assert!(intset(&is, |_| Ok(())).is_err());
    }
}
