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

use crate::bulk_pool::BulkPool;
use crate::resp::{split_args, Parsed, Parser, ProtocolError, BULK_STEP};

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

/// Feeds `payload` to a parser in reads of the sizes in `splits` (cycled;
/// a zero size counts as one byte; empty: one read), keeping the unconsumed
/// tail as a client's query buffer does, and running each request the way
/// the server does (`take_args`, then `restore`). As the server, a read
/// made while the parser is inside a bulk argument (and no tail is kept)
/// goes straight into the argument's buffer ([`Parser::bulk_room`]), up to
/// the end of the argument. As the server, argument buffers it lets go of
/// are kept in a [`BulkPool`] and lent to later big arguments, stale bytes
/// and all.
///
/// Panics if the parser keeps more memory than [`memory_bound`] allows.
pub fn parse_in_reads(payload: &[u8], splits: &[usize]) -> Outcome {
    parse_in_reads_with(payload, splits, &mut BulkPool::default(), |_| {})
}

/// [`parse_in_reads`] with the caller's `pool` (to lend it spares), and
/// `inspect` called with each request's arguments while they are still in
/// the buffers they were read into.
pub fn parse_in_reads_with(
    payload: &[u8],
    splits: &[usize],
    pool: &mut BulkPool,
    mut inspect: impl FnMut(&[Vec<u8>]),
) -> Outcome {
    let mut parser = Parser::default();
    let mut query: Vec<u8> = Vec::new();
    let mut out = Outcome {
        requests: Vec::new(),
        error: None,
    };
    let mut received = 0;
    let mut sizes = splits.iter().map(|&s| s.max(1)).cycle();
    while received < payload.len() {
        let n = sizes
            .next()
            .unwrap_or(payload.len())
            .min(payload.len() - received);
        match parser.bulk_room(1, pool) {
            Some(room) if query.is_empty() => {
                let n = n.min(room.len());
                room[..n].copy_from_slice(&payload[received..received + n]);
                parser.bulk_filled(n);
                received += n;
            }
            _ => {
                query.extend_from_slice(&payload[received..received + n]);
                received += n;
            }
        }
        let mut pos = 0;
        loop {
            match parser.parse(&query, &mut pos, pool) {
                Ok(Parsed::Request) => {
                    let (args, argc) = parser.take_args();
                    inspect(&args[..argc]);
                    out.requests.push(args[..argc].to_vec());
                    parser.restore(args, pool);
                }
                Ok(Parsed::Incomplete) => break,
                Err(e) => {
                    out.error = Some(e);
                    return out;
                }
            }
            assert!(pos <= query.len(), "parse consumed past the buffer");
        }
        query.drain(..pos);
        let kept = parser.heap_bytes();
        assert!(
            kept <= memory_bound(received),
            "the parser keeps {kept} bytes after {received} bytes of input"
        );
    }
    out
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
