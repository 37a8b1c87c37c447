//! A connection's input: the query buffer, the parser, and the room a big
//! argument is read straight into (Redis's `querybuf`, `processInputBuffer`
//! and `PROTO_MBULK_BIG_ARG`). The server's `read_query_from_client` and the
//! fuzz target (`crate::fuzzing`) both read through [`Input::read`] and run
//! requests through [`Input::feed`], so the fuzzer tests the read path the
//! server runs.

use std::io::{self, IoSliceMut, Read};

use crate::bulk_pool::{BulkPool, BIG_ARG};
use crate::resp::{Parsed, Parser, ProtocolError};

/// Size of the read buffer shared by all clients: the most read from a
/// client per readable event, outside a big argument.
pub const IOBUF_LEN: usize = 64 * 1024;

/// Bytes read into the shared buffer per read (`PROTO_IOBUF_LEN`); a
/// client whose last read filled them is pipelining and reads up to the
/// whole shared buffer (so pipelined 10 KB SETs take a read per six
/// requests, not per one and a half, as Redis's greedy query buffer does).
/// The rest of a big argument is read directly, with only this much after
/// it, so little of a 100 KB value is copied.
pub const READ_LEN: usize = 16 * 1024;

/// What runs the requests [`Input::feed`] finds.
pub trait Requests {
    /// The buffers big arguments are lent from and given back to.
    fn pool(&mut self) -> &mut BulkPool;
    /// Whether to parse another request (false once the client is to be
    /// closed, or its replies passed the output limit).
    fn more(&self) -> bool;
    /// Runs one request (never empty).
    fn run(&mut self, args: &mut [Vec<u8>]);
}

/// One connection's input.
#[derive(Debug)]
pub struct Input {
    /// Bytes received that do not yet form a whole request. Empty while the
    /// client is idle, so an idle client holds no buffer.
    query: Vec<u8>,
    /// Where the client is inside a request.
    parser: Parser,
    /// The least of a bulk argument still to come that is read straight
    /// into the argument's buffer (`u32`: with `pipelining` it fits the
    /// padding a `usize` would add to every client).
    big_arg: u32,
    /// The last read filled [`READ_LEN`] outside a big argument: more is
    /// likely waiting, so the next read may be larger.
    pipelining: bool,
}

impl Default for Input {
    fn default() -> Self {
        Input::with_big_arg(BIG_ARG as u32)
    }
}

/// What one [`Input::read`] took in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    /// Bytes read in all.
    pub total: usize,
    /// Of those, the bytes in the caller's buffer (the rest went straight
    /// into a big argument).
    pub buffered: usize,
}

impl Input {
    /// An input that reads the rest of a bulk argument straight into its
    /// buffer once at least `big_arg` bytes of it are still to come (the
    /// server: [`BIG_ARG`]; the fuzzer: 1, to reach that path with small
    /// inputs).
    pub fn with_big_arg(big_arg: u32) -> Self {
        Input {
            query: Vec::new(),
            parser: Parser::default(),
            big_arg,
            pipelining: false,
        }
    }

    /// Bytes received not yet parsed.
    pub fn query_len(&self) -> usize {
        self.query.len()
    }

    /// What the query buffer holds allocated.
    pub fn query_capacity(&self) -> usize {
        self.query.capacity()
    }

    /// Heap bytes the parser keeps (argument buffers).
    pub fn parser_heap_bytes(&self) -> usize {
        self.parser.heap_bytes()
    }

    /// What the client holds with `more` bytes about to be added: the
    /// unparsed bytes and the arguments of its request in progress (Redis
    /// counts the query buffer and the argv parsed so far), which the
    /// query-buffer limit bounds.
    pub fn held_with(&self, more: usize) -> usize {
        self.parser.held_bytes() + self.query.len() + more
    }

    /// One read from `src` (`readQueryFromClient`'s read). Into `buf`
    /// ([`READ_LEN`] of it, or all of it for a pipelining client), or, when
    /// `direct` and at least `big_arg` bytes of a bulk argument are still
    /// to come, straight into the argument's own buffer for all of the
    /// rest, that buffer then being the stored value; the same `readv`
    /// takes up to [`READ_LEN`] more into `buf`, so a stream of big values
    /// takes a read each (Redis's greedy query buffer reads a value's worth
    /// and then copies it). `Ok` with a total of 0: the peer closed.
    pub fn read(
        &mut self,
        src: &mut impl Read,
        buf: &mut [u8],
        pool: &mut BulkPool,
        direct: bool,
    ) -> io::Result<Received> {
        let room = if direct && self.query.is_empty() {
            self.parser.bulk_room(self.big_arg as usize, pool)
        } else {
            None
        };
        let short = READ_LEN.min(buf.len());
        let (total, room_len) = match room {
            Some(room) => {
                let len = room.len();
                let mut iov = [IoSliceMut::new(room), IoSliceMut::new(&mut buf[..short])];
                (src.read_vectored(&mut iov)?, len)
            }
            None => {
                let len = if self.pipelining { buf.len() } else { short };
                (src.read(&mut buf[..len])?, 0)
            }
        };
        let straight = total.min(room_len);
        if straight > 0 {
            self.parser.bulk_filled(straight);
        }
        let buffered = total - straight;
        if total > 0 {
            self.pipelining = buffered >= short;
        }
        Ok(Received { total, buffered })
    }

    /// Runs every complete request in the query buffer followed by `data`
    /// (the bytes [`Input::read`] put in its buffer), while `requests`
    /// wants more, and keeps only an incomplete tail. A protocol error
    /// drops the rest of the input: the server replies with it and closes.
    pub fn feed(&mut self, data: &[u8], requests: &mut impl Requests) -> Result<(), ProtocolError> {
        let result = if self.query.is_empty() {
            // The common case: parse straight from the caller's buffer and
            // keep only an incomplete tail.
            let (used, result) = self.process(data, requests);
            self.query.extend_from_slice(&data[used..]);
            result
        } else {
            let mut query = std::mem::take(&mut self.query);
            query.extend_from_slice(data);
            let (used, result) = self.process(&query, requests);
            query.drain(..used);
            self.query = query;
            result
        };
        if self.query.is_empty() && self.query.capacity() > 0 {
            self.query = Vec::new();
        }
        result
    }

    /// Runs every complete request in `data`; returns the bytes consumed
    /// (all of them on a protocol error). Parsing runs also on no new
    /// bytes: a bulk argument read straight into its buffer may have
    /// completed a request.
    fn process(
        &mut self,
        data: &[u8],
        requests: &mut impl Requests,
    ) -> (usize, Result<(), ProtocolError>) {
        let mut pos = 0;
        while requests.more() {
            match self.parser.parse(data, &mut pos, requests.pool()) {
                Ok(Parsed::Request) => {
                    let (mut args, argc) = self.parser.take_args();
                    if argc > 0 {
                        requests.run(&mut args[..argc]);
                    }
                    self.parser.restore(args, requests.pool());
                }
                Ok(Parsed::Incomplete) => break,
                Err(e) => return (data.len(), Err(e)),
            }
        }
        (pos, Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs every request; stops after `limit` of them.
    struct Count {
        pool: BulkPool,
        seen: Vec<Vec<Vec<u8>>>,
        limit: usize,
    }

    impl Requests for Count {
        fn pool(&mut self) -> &mut BulkPool {
            &mut self.pool
        }
        fn more(&self) -> bool {
            self.seen.len() < self.limit
        }
        fn run(&mut self, args: &mut [Vec<u8>]) {
            self.seen.push(args.to_vec());
        }
    }

    fn count(limit: usize) -> Count {
        Count {
            pool: BulkPool::default(),
            seen: Vec::new(),
            limit,
        }
    }

    /// The rest of a big value goes straight into its argument's buffer;
    /// what follows it in the same read lands in the shared buffer.
    #[test]
    fn a_big_value_is_read_into_its_own_buffer() {
        let value = vec![b'v'; 100_000];
        let mut wire = format!("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n${}\r\n", value.len()).into_bytes();
        wire.extend_from_slice(&value);
        wire.extend_from_slice(b"\r\nPING\r\n");
        let mut src = &wire[..];
        let (mut input, mut run) = (Input::default(), count(usize::MAX));
        let mut buf = vec![0u8; IOBUF_LEN];
        let first = input.read(&mut src, &mut buf, &mut run.pool, true).unwrap();
        assert_eq!(first.total, first.buffered);
        input.feed(&buf[..first.buffered], &mut run).unwrap();
        let second = input.read(&mut src, &mut buf, &mut run.pool, true).unwrap();
        assert!(second.total > second.buffered, "{second:?}");
        assert_eq!(&buf[..second.buffered], b"PING\r\n");
        input.feed(&buf[..second.buffered], &mut run).unwrap();
        assert_eq!(run.seen.len(), 2);
        assert!(run.seen[0][2] == value);
        assert_eq!(run.seen[1], vec![b"PING".to_vec()]);
        assert_eq!(input.query_capacity(), 0, "an idle input holds no buffer");
    }

    /// Requests stop when the runner says so; the rest waits in the query
    /// buffer for the next feed.
    #[test]
    fn feeding_stops_when_asked_and_keeps_the_rest() {
        let (mut input, mut run) = (Input::default(), count(1));
        input.feed(b"PING\r\nECHO a\r\nPIN", &mut run).unwrap();
        assert_eq!(run.seen.len(), 1);
        assert_eq!(input.query_len(), b"ECHO a\r\nPIN".len());
        run.limit = usize::MAX;
        input.feed(b"G\r\n", &mut run).unwrap();
        assert_eq!(run.seen.len(), 3);
        assert_eq!(input.query_len(), 0);
        let err = input.feed(b"*1\r\n!x\r\n", &mut run).unwrap_err();
        assert_eq!(err, ProtocolError("expected '$', got '!'".into()));
        assert_eq!(input.query_len(), 0);
    }
}
