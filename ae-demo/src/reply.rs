//! RESP2 replies, appended to a client's output buffer.

/// Appends `prefix`, the decimal digits of `n`, and CRLF, without the
/// formatting machinery: every bulk reply has such a header.
fn line(out: &mut Vec<u8>, prefix: u8, n: i64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut v = n.unsigned_abs();
    loop {
        i -= 1;
        digits[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.push(prefix);
    if n < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&digits[i..]);
    out.extend_from_slice(b"\r\n");
}

/// Appends a reply to an output buffer (Redis's `addReply*` family).
pub trait Reply {
    /// `+status\r\n`
    fn status(&mut self, s: &str);
    /// `-message\r\n`; the message starts with its code (`ERR ...`). Line
    /// breaks inside it become spaces, as Redis does.
    fn error(&mut self, msg: &str);
    /// `$len\r\ndata\r\n`
    fn bulk(&mut self, data: &[u8]);
    /// `$-1\r\n`
    fn null(&mut self);
    /// `:n\r\n`
    fn int(&mut self, n: i64);
    /// `*n\r\n`, followed by `n` replies.
    fn array(&mut self, n: usize);
}

impl Reply for Vec<u8> {
    fn status(&mut self, s: &str) {
        self.push(b'+');
        self.extend_from_slice(s.as_bytes());
        self.extend_from_slice(b"\r\n");
    }

    fn error(&mut self, msg: &str) {
        self.push(b'-');
        self.extend(
            msg.bytes()
                .map(|b| if b == b'\r' || b == b'\n' { b' ' } else { b }),
        );
        self.extend_from_slice(b"\r\n");
    }

    fn bulk(&mut self, data: &[u8]) {
        line(self, b'$', data.len() as i64);
        self.extend_from_slice(data);
        self.extend_from_slice(b"\r\n");
    }

    fn null(&mut self) {
        self.extend_from_slice(b"$-1\r\n");
    }

    fn int(&mut self, n: i64) {
        line(self, b':', n);
    }

    fn array(&mut self, n: usize) {
        line(self, b'*', n as i64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings() {
        let mut out = Vec::new();
        out.status("OK");
        out.error("ERR bad\r\nthing");
        out.bulk(b"a\0b");
        out.null();
        out.int(-5);
        out.int(i64::MIN);
        out.int(0);
        out.array(2);
        assert_eq!(
            out,
            b"+OK\r\n-ERR bad  thing\r\n$3\r\na\0b\r\n$-1\r\n:-5\r\n:-9223372036854775808\r\n:0\r\n*2\r\n"
        );
    }
}
