//! LZF (the format of `lzf_d.c`), in which Redis compresses the strings
//! of an RDB file longer than 20 bytes (`rdbcompression yes`, the
//! default): decompression for loading, and a greedy compressor of this
//! module's own for saving.

/// Hash-table slots of the compressor: 2^14 three-byte prefixes.
const HLOG: u32 = 14;
/// The farthest a back reference reaches (13 bits of offset).
const MAX_OFF: usize = 1 << 13;
/// The longest back reference (a length byte of 255 after 7, plus 2).
const MAX_REF: usize = 264;
/// The longest literal run (5 bits, plus 1).
const MAX_LIT: usize = 32;

/// The compressor's table, kept across calls: each slot holds the
/// position (plus the base of the call that stored it) where a prefix was
/// last seen. Positions from earlier calls fall below the current base
/// and are ignored, so the table is never cleared (a 64 KB memset per
/// 25-byte value would cost more than the compression).
pub struct Compressor {
    table: Vec<u64>,
    base: u64,
}

impl Default for Compressor {
    fn default() -> Self {
        Compressor {
            table: vec![0; 1 << HLOG],
            // Slot value 0 is "never seen", below every base.
            base: 1,
        }
    }
}

impl Compressor {
    /// Compresses `input` into `out` (cleared first) if that takes at
    /// most `max_out` bytes; false when it does not fit (Redis then stores
    /// the string as it is).
    pub fn compress(&mut self, input: &[u8], max_out: usize, out: &mut Vec<u8>) -> bool {
        out.clear();
        let n = input.len();
        let base = self.base;
        self.base += n as u64 + 1;
        let mut lit = 0;
        let mut ip = 0;
        while ip + 2 < n {
            let h = hash(input[ip], input[ip + 1], input[ip + 2]);
            let seen = self.table[h];
            self.table[h] = base + ip as u64;
            if seen >= base {
                let at = (seen - base) as usize;
                let off = ip - at - 1;
                if off < MAX_OFF && input[at..at + 3] == input[ip..ip + 3] {
                    let max = MAX_REF.min(n - ip);
                    let mut len = 3;
                    while len < max && input[at + len] == input[ip + len] {
                        len += 1;
                    }
                    literals(&input[lit..ip], out);
                    let l = len - 2;
                    if l < 7 {
                        out.push(((l << 5) | (off >> 8)) as u8);
                    } else {
                        out.push(((7 << 5) | (off >> 8)) as u8);
                        out.push((l - 7) as u8);
                    }
                    out.push(off as u8);
                    ip += len;
                    lit = ip;
                    if out.len() > max_out {
                        return false;
                    }
                    continue;
                }
            }
            ip += 1;
        }
        literals(&input[lit..], out);
        out.len() <= max_out
    }
}

/// A slot for a three-byte prefix.
fn hash(a: u8, b: u8, c: u8) -> usize {
    let v = (u32::from(a) << 16) | (u32::from(b) << 8) | u32::from(c);
    (v.wrapping_mul(2_654_435_761) >> (32 - HLOG)) as usize
}

/// `lit` as literal runs of at most 32 bytes.
fn literals(lit: &[u8], out: &mut Vec<u8>) {
    for run in lit.chunks(MAX_LIT) {
        out.push((run.len() - 1) as u8);
        out.extend_from_slice(run);
    }
}

/// Decompresses `input` into exactly `out_len` bytes; `Err` names what was
/// wrong. Every reference and run is checked against both buffers, so
/// corrupt input is an error, never a panic.
pub fn decompress(input: &[u8], out_len: usize) -> Result<Vec<u8>, &'static str> {
    // A three-byte back reference yields at most 264 bytes, so a longer
    // claim is corrupt: checked before allocating what it claims.
    if out_len > input.len().saturating_mul(88) {
        return Err("LZF length larger than its data can expand to");
    }
    let mut out = Vec::with_capacity(out_len);
    let mut ip = 0;
    while ip < input.len() {
        let ctrl = usize::from(input[ip]);
        ip += 1;
        if ctrl < 32 {
            // A literal run of ctrl + 1 bytes.
            let run = ctrl + 1;
            let lit = input
                .get(ip..ip + run)
                .ok_or("LZF literal run past the input")?;
            if out.len() + run > out_len {
                return Err("LZF output longer than stated");
            }
            out.extend_from_slice(lit);
            ip += run;
        } else {
            let mut len = ctrl >> 5;
            if len == 7 {
                len += usize::from(*input.get(ip).ok_or("LZF reference past the input")?);
                ip += 1;
            }
            let low = usize::from(*input.get(ip).ok_or("LZF reference past the input")?);
            ip += 1;
            let back = ((ctrl & 0x1f) << 8) + low + 1;
            let len = len + 2;
            if out.len() + len > out_len {
                return Err("LZF output longer than stated");
            }
            if back > out.len() {
                return Err("LZF reference before the start");
            }
            let from = out.len() - back;
            if back >= len {
                out.extend_from_within(from..from + len);
            } else {
                // Overlapping: the run repeats bytes it is writing.
                for i in 0..len {
                    let b = out[from + i];
                    out.push(b);
                }
            }
        }
    }
    if out.len() != out_len {
        return Err("LZF output shorter than stated");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::{decompress, Compressor};

    #[test]
    fn a_vector_redis_server_wrote() {
        // `SET s <41 a's>bcabcabcabc` then SAVE on redis-server 7.0.15: the
        // value was stored as C3 0E 34 (LZF, 14 bytes in, 52 out) and these
        // 14 bytes.
        let packed = [
            0x01, 0x61, 0x61, 0xe0, 0x1e, 0x00, 0x01, 0x62, 0x63, 0xa0, 0x02, 0x01, 0x62, 0x63,
        ];
        let want = b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaabcabcabcabc";
        assert_eq!(decompress(&packed, want.len()).unwrap(), want);
        assert!(decompress(&packed, want.len() + 1).is_err());
        assert!(decompress(&packed, want.len() - 1).is_err());
        for cut in 0..packed.len() {
            assert!(decompress(&packed[..cut], want.len()).is_err());
        }
        assert!(
            decompress(&[0xe0, 0x00, 0x00], 9).is_err(),
            "reference before start"
        );
    }

    #[test]
    fn compress_then_decompress_gives_the_input() {
        let mut c = Compressor::default();
        let mut out = Vec::new();
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut compressed = 0;
        for round in 0..2000 {
            // Runs, repeats near and far (past the 8 KB reach), noise.
            let len = (next() % [30, 300, 20_000][round % 3]) as usize + 21;
            let alphabet = 1 + next() % 256;
            let mut input = Vec::with_capacity(len);
            while input.len() < len {
                match next() % 4 {
                    0 if input.len() > 10 => {
                        let from = (next() as usize) % input.len();
                        let take = ((next() % 300) as usize).min(input.len() - from);
                        input.extend_from_within(from..from + take);
                    }
                    1 => {
                        let (b, k) = ((next() % alphabet) as u8, (next() % 400) as usize);
                        input.resize(input.len() + k, b);
                    }
                    _ => input.push((next() % alphabet) as u8),
                }
            }
            input.truncate(len);
            let max = len - 4;
            if c.compress(&input, max, &mut out) {
                assert!(out.len() <= max);
                assert_eq!(decompress(&out, len).unwrap(), input, "round {round}");
                compressed += 1;
            }
            // Without a size limit every input compresses to something
            // that decompresses to it.
            assert!(c.compress(&input, usize::MAX, &mut out));
            assert_eq!(
                decompress(&out, len).unwrap(),
                input,
                "round {round}, unlimited"
            );
        }
        assert!(compressed > 500, "only {compressed} compressed");
        assert!(c.compress(&[b'a'; 1000], 996, &mut out));
        assert!(out.len() < 20, "1000 a's took {} bytes", out.len());
    }
}
