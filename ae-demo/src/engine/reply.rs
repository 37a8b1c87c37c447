//! RESP2 and RESP3 replies, appended to a client's output buffer
//! ([`ReplyBuf`]), and the writes that send them. The methods taking
//! `resp3` encode what differs between the protocols (HELLO chooses); the
//! others are the same in both.

use std::collections::VecDeque;
use std::io::{self, IoSlice, Write};
use std::rc::Rc;

use super::db::Value;

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

/// A header line on its own, for the RESP3 types written through
/// [`Reply::raw`].
fn header(prefix: u8, n: i64) -> Vec<u8> {
    let mut head = Vec::new();
    line(&mut head, prefix, n);
    head
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
    /// Bytes already encoded.
    fn raw(&mut self, bytes: &[u8]);

    /// A missing value: `$-1` (RESP2), `_` (RESP3).
    fn nil(&mut self, resp3: bool) {
        if resp3 {
            self.raw(b"_\r\n");
        } else {
            self.null();
        }
    }

    /// A missing array: `*-1` (RESP2), `_` (RESP3).
    fn nil_array(&mut self, resp3: bool) {
        self.raw(if resp3 { b"_\r\n" } else { b"*-1\r\n" });
    }

    /// A map of `n` pairs: `*2n` (RESP2), `%n` (RESP3).
    fn map(&mut self, n: usize, resp3: bool) {
        if resp3 {
            self.raw(&header(b'%', n as i64));
        } else {
            self.array(2 * n);
        }
    }

    /// A set of `n` elements: `*n` (RESP2), `~n` (RESP3).
    fn set(&mut self, n: usize, resp3: bool) {
        if resp3 {
            self.raw(&header(b'~', n as i64));
        } else {
            self.array(n);
        }
    }

    /// Text for humans (INFO, CLIENT LIST): a bulk string (RESP2), a
    /// verbatim string of format `txt` (RESP3).
    fn verbatim(&mut self, text: &[u8], resp3: bool) {
        if resp3 {
            let mut head = header(b'=', text.len() as i64 + 4);
            head.extend_from_slice(b"txt:");
            self.raw(&head);
            self.raw(text);
            self.raw(b"\r\n");
        } else {
            self.bulk(text);
        }
    }
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

    fn raw(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// A part of the output not written yet.
#[derive(Debug)]
enum Part {
    /// Replies encoded here, one after another.
    Bytes(Vec<u8>),
    /// A stored value, sent from where it is stored (the key may change
    /// meanwhile: the reply keeps the value it read).
    Shared(Rc<Vec<u8>>),
}

impl Part {
    fn bytes(&self) -> &[u8] {
        match self {
            Part::Bytes(b) => b,
            Part::Shared(v) => v,
        }
    }
}

/// Replies are encoded into a buffer until it holds this much; then it
/// joins the list and a new one starts, so appending never moves more than
/// this (Redis's `PROTO_REPLY_CHUNK_BYTES`).
const CHUNK: usize = 16 * 1024;
/// A drained buffer up to this size is kept for the next replies, so a
/// request-reply client allocates nothing per request; a bigger one is
/// freed, so idle clients stay small.
const KEEP: usize = 4 * 1024;
/// Slices per write (`writev`): enough for a pipeline of big values.
const IOV_MAX: usize = 64;

/// A client's output buffer (Redis's `buf` and `reply` list): replies are
/// encoded into a byte buffer, big stored values are referenced, not
/// copied, and a write sends several parts at once (`writev`). While the
/// replies fit one buffer and none of it is written, there is no list: an
/// idle client pays for two words here, and at most one small buffer.
#[derive(Debug, Default)]
pub struct ReplyBuf {
    /// What comes before `tail`; `None` when that is nothing.
    list: Option<Box<List>>,
    /// Where replies are encoded, none of it written unless `list` says so.
    tail: Vec<u8>,
}

/// The parts of a [`ReplyBuf`] before its tail.
#[derive(Debug, Default)]
struct List {
    /// Full buffers and shared values, oldest first.
    parts: VecDeque<Part>,
    /// Bytes already written of the first part, or of the tail when there
    /// are no parts.
    sent: usize,
    /// Bytes not yet written of `parts`.
    pending: usize,
}

impl ReplyBuf {
    /// Bytes of replies not yet written.
    pub fn pending(&self) -> usize {
        match &self.list {
            None => self.tail.len(),
            Some(list) if list.parts.is_empty() => self.tail.len() - list.sent,
            Some(list) => list.pending + self.tail.len(),
        }
    }

    /// Encodes a reply with `f` into the tail, which first joins the list
    /// if it is full.
    fn encode(&mut self, f: impl FnOnce(&mut Vec<u8>)) {
        if self.tail.len() >= CHUNK {
            self.push_tail();
        }
        f(&mut self.tail);
    }

    /// Moves the tail to the end of the list (a new tail starts empty).
    fn push_tail(&mut self) {
        if !self.tail.is_empty() {
            let tail = Part::Bytes(std::mem::take(&mut self.tail));
            self.push(tail);
        }
    }

    /// Appends a part to the list; the tail must be empty.
    fn push(&mut self, part: Part) {
        let list = self.list.get_or_insert_with(Box::default);
        if list.parts.is_empty() {
            // What was written of the tail is now written of this part.
            list.pending = part.bytes().len() - list.sent;
        } else {
            list.pending += part.bytes().len();
        }
        list.parts.push_back(part);
    }

    /// Appends raw protocol bytes (a reply encoded elsewhere).
    pub fn extend_from_slice(&mut self, bytes: &[u8]) {
        self.encode(|b| b.extend_from_slice(bytes));
    }

    /// `$len\r\nvalue\r\n` for a stored value: a big one is referenced
    /// and written from where it is stored, a small one copied.
    pub fn bulk_value(&mut self, value: &Value) {
        match value.shared() {
            None => self.bulk(value),
            Some(rc) => {
                self.encode(|b| line(b, b'$', rc.len() as i64));
                self.push_tail();
                self.push(Part::Shared(Rc::clone(rc)));
                self.encode(|b| b.extend_from_slice(b"\r\n"));
            }
        }
    }

    /// One write (`writev` of up to `IOV_MAX` slices) to `out`; returns
    /// the bytes written, 0 when nothing is pending.
    pub fn write_to(&mut self, mut out: impl Write) -> io::Result<usize> {
        let Some(list) = &self.list else {
            if self.tail.is_empty() {
                return Ok(0);
            }
            let n = out.write(&self.tail)?;
            self.consume(n);
            return Ok(n);
        };
        let mut iov = [IoSlice::new(&[]); IOV_MAX];
        let mut count = 0;
        let mut offset = list.sent;
        let parts = list.parts.iter().map(Part::bytes);
        for bytes in parts.chain(std::iter::once(&self.tail[..])) {
            if count == IOV_MAX {
                break;
            }
            let bytes = &bytes[offset..];
            offset = 0;
            if !bytes.is_empty() {
                iov[count] = IoSlice::new(bytes);
                count += 1;
            }
        }
        let n = match count {
            0 => 0,
            1 => out.write(&iov[0])?,
            _ => out.write_vectored(&iov[..count])?,
        };
        self.consume(n);
        Ok(n)
    }

    /// Drops `n` written bytes from the front.
    fn consume(&mut self, mut n: usize) {
        let Some(list) = &mut self.list else {
            // Only the tail, and none of it written before: the common case
            // (a whole reply in one write) allocates no list.
            if n == self.tail.len() {
                self.drained();
            } else if n > 0 {
                self.list = Some(Box::new(List {
                    sent: n,
                    ..List::default()
                }));
            }
            return;
        };
        while let Some(front) = list.parts.front() {
            let left = front.bytes().len() - list.sent;
            if n < left {
                list.sent += n;
                list.pending -= n;
                return;
            }
            n -= left;
            list.pending -= left;
            list.sent = 0;
            list.parts.pop_front();
        }
        // The rest was written from the tail.
        list.sent += n;
        if list.sent == self.tail.len() {
            self.drained();
        }
    }

    /// All written: no list, and a small tail kept for the next replies.
    fn drained(&mut self) {
        self.list = None;
        self.tail.clear();
        if self.tail.capacity() > KEEP {
            self.tail = Vec::new();
        }
    }
}

impl Reply for ReplyBuf {
    fn status(&mut self, s: &str) {
        self.encode(|b| b.status(s));
    }

    fn error(&mut self, msg: &str) {
        self.encode(|b| b.error(msg));
    }

    fn bulk(&mut self, data: &[u8]) {
        self.encode(|b| b.bulk(data));
    }

    fn null(&mut self) {
        self.encode(|b| b.null());
    }

    fn int(&mut self, n: i64) {
        self.encode(|b| b.int(n));
    }

    fn array(&mut self, n: usize) {
        self.encode(|b| b.array(n));
    }

    fn raw(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
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
        for (resp3, expected) in [
            (false, &b"$-1\r\n*-1\r\n*4\r\n$2\r\nhi\r\n"[..]),
            (true, b"_\r\n_\r\n%2\r\n=6\r\ntxt:hi\r\n"),
        ] {
            let mut out = Vec::new();
            out.nil(resp3);
            out.nil_array(resp3);
            out.map(2, resp3);
            out.verbatim(b"hi", resp3);
            assert_eq!(out, expected);
        }
    }

    /// A socket that takes at most `limit` bytes per write, and counts the
    /// writes and the slices offered.
    struct Trickle {
        out: Vec<u8>,
        limit: usize,
        writes: usize,
        max_slices: usize,
    }

    impl Write for Trickle {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.write_vectored(&[IoSlice::new(buf)])
        }

        fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
            self.writes += 1;
            self.max_slices = self.max_slices.max(bufs.len());
            let mut n = 0;
            for b in bufs {
                let take = b.len().min(self.limit - n);
                self.out.extend_from_slice(&b[..take]);
                n += take;
            }
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// Small replies, big shared values and raw bytes come out in order
    /// and whole, however little each write takes; a big value is sent
    /// from its own buffer, not copied into the reply.
    #[test]
    fn replies_come_out_in_order_through_partial_writes() {
        let big = Value::new((0..100_000u32).map(|i| i as u8).collect());
        let small = Value::new(b"small".to_vec());
        assert!(big.shared().is_some() && small.shared().is_none());
        for limit in [1, 7, 4096, 65_536, 1 << 20] {
            let mut r = ReplyBuf::default();
            let mut expected = Vec::new();
            r.status("OK");
            expected.status("OK");
            for i in 0..3 {
                r.bulk_value(&big);
                expected.bulk(&big);
                r.bulk_value(&small);
                expected.bulk(&small);
                r.int(i);
                expected.int(i);
            }
            r.extend_from_slice(b"*-1\r\n");
            expected.extend_from_slice(b"*-1\r\n");
            assert_eq!(r.pending(), expected.len());
            // The big value is referenced three times, not copied.
            assert_eq!(Rc::strong_count(big.shared().unwrap()), 4);
            let mut sock = Trickle {
                out: Vec::new(),
                limit,
                writes: 0,
                max_slices: 0,
            };
            while r.pending() > 0 {
                let n = r.write_to(&mut sock).unwrap();
                assert!(n > 0);
            }
            assert!(sock.out == expected, "limit {limit}");
            assert_eq!(r.write_to(&mut sock).unwrap(), 0);
            assert_eq!(Rc::strong_count(big.shared().unwrap()), 1);
            if limit == 1 << 20 {
                // One writev for all of it.
                assert_eq!(sock.writes, 1);
                assert!(sock.max_slices > 3);
            }
        }
    }

    /// Replies appended between partial writes (of the tail, of a shared
    /// value, across the chunk size) still come out whole and in order.
    #[test]
    fn appends_between_partial_writes_keep_the_order() {
        let big = Value::new(vec![b'B'; 50_000]);
        let mut r = ReplyBuf::default();
        let mut expected = Vec::new();
        let mut sock = Trickle {
            out: Vec::new(),
            limit: 0,
            writes: 0,
            max_slices: 0,
        };
        let limits = [1, 5, 3_000, 70_000, 2];
        for step in 0..200 {
            match step % 4 {
                0 => {
                    r.status("OK");
                    expected.status("OK");
                }
                1 => {
                    r.bulk_value(&big);
                    expected.bulk(&big);
                }
                2 => {
                    let text = vec![b'a' + (step % 26) as u8; step * 37];
                    r.bulk(&text);
                    expected.bulk(&text);
                }
                _ => {
                    r.int(step as i64);
                    expected.int(step as i64);
                }
            }
            sock.limit = limits[step % limits.len()];
            r.write_to(&mut sock).unwrap();
            assert_eq!(r.pending(), expected.len() - sock.out.len(), "step {step}");
        }
        sock.limit = 1 << 16;
        while r.pending() > 0 {
            r.write_to(&mut sock).unwrap();
        }
        assert!(sock.out == expected);
        assert!(r.list.is_none());
    }

    /// A drained buffer keeps no list and one small buffer for the next
    /// replies, freeing big ones, so idle clients stay small.
    #[test]
    fn a_drained_buffer_keeps_only_a_small_buffer() {
        let mut sink = Trickle {
            out: Vec::new(),
            limit: usize::MAX,
            writes: 0,
            max_slices: 0,
        };
        let mut r = ReplyBuf::default();
        r.status("PONG");
        r.write_to(&mut sink).unwrap();
        assert_eq!(r.pending(), 0);
        assert!(r.tail.capacity() > 0 && r.tail.capacity() <= KEEP);
        assert!(r.list.is_none());
        r.bulk(&vec![b'x'; 3 * CHUNK]);
        r.bulk_value(&Value::new(vec![b'y'; 100_000]));
        for _ in 0..100 {
            r.int(1);
        }
        assert!(r.list.as_ref().is_some_and(|l| l.parts.len() > 1));
        while r.pending() > 0 {
            r.write_to(&mut sink).unwrap();
        }
        assert!(r.list.is_none());
        assert!(r.tail.is_empty() && r.tail.capacity() <= KEEP);
        assert_eq!(sink.out.len(), 7 + 3 * CHUNK + 11 + 100_000 + 10 + 400);
    }
}
