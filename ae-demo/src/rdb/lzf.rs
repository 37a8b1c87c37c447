//! LZF decompression (`lzf_d.c`), for the strings Redis compresses in an
//! RDB file (`rdbcompression yes`, values over 20 bytes).

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
    use super::decompress;

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
}
