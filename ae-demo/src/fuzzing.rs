//! The properties the RESP fuzz target checks (`fuzz/fuzz_targets/resp_parser.rs`),
//! shared with the test that replays its corpus (`tests/resp_corpus.rs`), so
//! both check exactly the same thing.
//!
//! For any bytes, split into reads in any way:
//! - the parser neither panics nor hangs;
//! - the requests it returns and the protocol error it stops at are the same
//!   as for the bytes in one piece;
//! - the memory it keeps grows with the bytes received, never with the sizes
//!   a request announces;
//! - [`split_args`] gives back the arguments of a line that quotes them.

use std::io::{self, IoSliceMut, Read};

use crate::bulk_pool::BulkPool;
use crate::conn::{Input, Requests, IOBUF_LEN};
use crate::resp::{split_args, ProtocolError, BULK_STEP};

/// What a client's byte stream parses to: the complete requests, in order,
/// and the protocol error that ends the stream, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The arguments of each complete request.
    pub requests: Vec<Vec<Vec<u8>>>,
    /// The error the parser stopped at (the server replies and closes).
    pub error: Option<ProtocolError>,
}

/// Heap bytes the parser may keep for `received` bytes of input: a constant
/// (the bounded up-front reservation of argument slots, and the room a
/// direct read may add to a bulk argument, [`BULK_STEP`]) plus a linear
/// term. An announced multibulk count or bulk length must not count.
pub fn memory_bound(received: usize) -> usize {
    64 * 1024 + BULK_STEP + 32 * received
}

/// Feeds `payload` to a connection's [`Input`] in reads of the sizes in
/// `splits` (cycled; a zero size counts as one byte; empty: reads as large
/// as the input takes), through [`Input::read`] and [`Input::feed`], the
/// server's own read path: a read made while the parser is inside a bulk
/// argument (and no tail is kept) goes straight into the argument's
/// buffer, the rest of it into the shared buffer; argument buffers it lets
/// go of are kept in a [`BulkPool`] and lent to later big arguments, stale
/// bytes and all. The input reads straight into an argument from its first
/// byte still to come, not only from [`crate::bulk_pool::BIG_ARG`], so
/// small inputs reach that path.
///
/// Panics if the parser keeps more memory than [`memory_bound`] allows.
pub fn parse_in_reads(payload: &[u8], splits: &[usize]) -> Outcome {
    parse_in_reads_with(payload, splits, &mut BulkPool::default(), |_| {})
}

/// A peer that sends `payload` in reads of the given sizes.
struct Reads<'a, I> {
    payload: &'a [u8],
    sent: usize,
    sizes: I,
}

impl<I: Iterator<Item = usize>> Read for Reads<'_, I> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.read_vectored(&mut [IoSliceMut::new(buf)])
    }

    /// Fills the buffers in order, as readv(2) does.
    fn read_vectored(&mut self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        let left = self.payload.len() - self.sent;
        let mut n = self.sizes.next().unwrap_or(left).min(left);
        let mut done = 0;
        for buf in bufs {
            let k = n.min(buf.len());
            buf[..k].copy_from_slice(&self.payload[self.sent..self.sent + k]);
            self.sent += k;
            done += k;
            n -= k;
        }
        Ok(done)
    }
}

/// Collects what [`Input::feed`] finds.
struct Collect<'a, F> {
    pool: &'a mut BulkPool,
    inspect: F,
    requests: Vec<Vec<Vec<u8>>>,
}

impl<F: FnMut(&[Vec<u8>])> Requests for Collect<'_, F> {
    fn pool(&mut self) -> &mut BulkPool {
        self.pool
    }

    fn more(&self) -> bool {
        true
    }

    fn run(&mut self, args: &mut [Vec<u8>]) {
        (self.inspect)(args);
        self.requests.push(args.to_vec());
    }
}

/// [`parse_in_reads`] with the caller's `pool` (to lend it spares), and
/// `inspect` called with each request's arguments while they are still in
/// the buffers they were read into.
pub fn parse_in_reads_with(
    payload: &[u8],
    splits: &[usize],
    pool: &mut BulkPool,
    inspect: impl FnMut(&[Vec<u8>]),
) -> Outcome {
    let mut input = Input::with_big_arg(1);
    let mut buf = vec![0u8; IOBUF_LEN];
    let mut peer = Reads {
        payload,
        sent: 0,
        sizes: splits.iter().map(|&s| s.max(1)).cycle(),
    };
    let mut collect = Collect {
        pool,
        inspect,
        requests: Vec::new(),
    };
    let mut error = None;
    while peer.sent < payload.len() {
        let got = input
            .read(&mut peer, &mut buf, collect.pool, true)
            .expect("reads from memory do not fail");
        assert!(got.total > 0, "a read made no progress");
        if let Err(e) = input.feed(&buf[..got.buffered], &mut collect) {
            error = Some(e);
            break;
        }
        let kept = input.parser_heap_bytes();
        assert!(
            kept <= memory_bound(peer.sent),
            "the parser keeps {kept} bytes after {} bytes of input",
            peer.sent
        );
    }
    Outcome {
        requests: collect.requests,
        error,
    }
}

/// Quotes `args` as an inline request line: each one in double quotes with
/// every byte as `\xHH`, separated by spaces.
pub fn quote_args(args: &[Vec<u8>]) -> Vec<u8> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut line = Vec::new();
    for (i, arg) in args.iter().enumerate() {
        if i > 0 {
            line.push(b' ');
        }
        line.push(b'"');
        for &b in arg {
            line.extend_from_slice(&[
                b'\\',
                b'x',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 15)],
            ]);
        }
        line.push(b'"');
    }
    line
}

/// Checks `payload` split into reads of `splits` against the same bytes in
/// one piece, and the [`split_args`] round trip on it. Panics on any
/// difference, with the difference in the message.
pub fn check_split(payload: &[u8], splits: &[usize]) {
    let whole = parse_in_reads(payload, &[]);
    let pieces = parse_in_reads(payload, splits);
    assert_eq!(
        whole, pieces,
        "reads of {splits:?} parse differently from one piece"
    );
    if let Some(args) = split_args(payload) {
        let quoted = quote_args(&args);
        assert_eq!(
            split_args(&quoted).as_ref(),
            Some(&args),
            "split_args does not give back the arguments of {quoted:?}"
        );
    }
}

/// Decodes a fuzz input: the first byte gives how many of the next bytes
/// (up to 15) are read sizes (each byte + 1); the rest is the payload.
pub fn decode(input: &[u8]) -> (Vec<usize>, &[u8]) {
    let Some((&head, rest)) = input.split_first() else {
        return (Vec::new(), input);
    };
    let k = usize::from(head % 16).min(rest.len());
    let (sizes, payload) = rest.split_at(k);
    (sizes.iter().map(|&b| usize::from(b) + 1).collect(), payload)
}

/// The fuzz target's body: [`decode`], then [`check_split`].
pub fn check(input: &[u8]) {
    let (splits, payload) = decode(input);
    check_split(payload, &splits);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_reads_sizes_then_payload() {
        assert_eq!(decode(b""), (vec![], &b""[..]));
        assert_eq!(decode(b"\x02\x00\x04PING"), (vec![1, 5], &b"PING"[..]));
        // More sizes announced than bytes: all of them are sizes.
        assert_eq!(decode(b"\x05ab"), (vec![98, 99], &b""[..]));
    }

    #[test]
    fn reads_of_any_size_give_the_same_outcome() {
        let payload =
            b"*2\r\n$4\r\nECHO\r\n$3\r\na\r\n\r\nPING x\r\n*1\r\n$2\r\nab\r\n*1\r\n!x\r\n";
        let whole = parse_in_reads(payload, &[]);
        assert_eq!(whole.requests.len(), 3);
        assert_eq!(
            whole.error,
            Some(ProtocolError("expected '$', got '!'".into()))
        );
        for size in 1..payload.len() {
            check_split(payload, &[size]);
        }
        check_split(payload, &[1, 7, 2]);
    }

    #[test]
    fn quoting_round_trips() {
        let args = vec![b"a b".to_vec(), vec![0, 255, b'"'], Vec::new()];
        assert_eq!(split_args(&quote_args(&args)), Some(args));
    }
}
