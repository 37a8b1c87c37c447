//! The request side of RESP2, as Redis's `processInlineBuffer` and
//! `processMultibulkBuffer` parse it: incremental, so a request split across
//! any number of reads is parsed once, with Redis's limits and error texts.

use crate::bulk_pool::{oversized, BulkPool, BIG_ARG};

/// Longest inline request, and longest count line, without a newline
/// (`PROTO_INLINE_MAX_SIZE`).
pub const INLINE_MAX: usize = 64 * 1024;
/// Largest bulk argument (`proto-max-bulk-len` default).
pub const MAX_BULK_LEN: i64 = 512 * 1024 * 1024;
/// Largest multibulk count.
pub const MAX_MULTIBULK_LEN: i64 = i32::MAX as i64;
/// Arguments reserved up front at most, whatever count a request announces.
const ARGS_RESERVE_MAX: usize = 1024;

/// A protocol error; the text follows `Protocol error: ` in the reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocolError(pub String);

impl ProtocolError {
    fn new(msg: &str) -> Self {
        ProtocolError(msg.to_string())
    }
}

/// A bulk argument's buffer grows by at most this much (or by as much as
/// has arrived, if more) beyond the bytes that have arrived: a value up to
/// this size gets one buffer of its exact size, a bigger one doubles, and
/// an announced length that is not sent costs nothing (CVE-2021-32675).
pub const BULK_STEP: usize = 1 << 20;

/// The parse state of one client: where it is inside a multibulk request.
#[derive(Debug, Default)]
pub struct Parser {
    /// How many bytes at the start of the unconsumed input were already
    /// searched for the end of the current line: a line that arrives a byte
    /// per read is then scanned once, not once per read. (At most
    /// `INLINE_MAX + 1`; this and the bulk fields are `u32`, bulk lengths
    /// being at most 512 MiB, so an idle client stays small.)
    scanned: u32,
    /// Bytes searched for line ends so far (tests check it stays linear).
    #[cfg(test)]
    searched: usize,
    /// Arguments still to come in the current multibulk; 0 when between
    /// requests.
    multibulk_left: i64,
    /// Length of the bulk argument being read; `None` before its `$` line.
    bulk_len: Option<u32>,
    /// Bytes of that argument, its CRLF included, received so far. They
    /// are consumed as they come into `args[argc]`, so a partial argument
    /// is held once, in the buffer that becomes the argument (Redis's
    /// `PROTO_MBULK_BIG_ARG` path); that buffer may be longer: room for a
    /// read straight into it ([`Parser::bulk_room`]), zeroed, or a spare's
    /// stale bytes ([`BulkPool`]), never read as the argument's.
    bulk_have: u32,
    /// Bytes of the complete arguments of the request being parsed.
    args_bytes: usize,
    /// Argument buffers, reused from request to request so a steady
    /// stream of requests allocates nothing; `argc` of them are in use.
    args: Vec<Vec<u8>>,
    argc: usize,
}

/// What one [`Parser::parse`] call found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    /// `args` holds a complete request (possibly empty: a blank line or a
    /// multibulk count of zero or less, which Redis ignores).
    Request,
    /// The bytes so far end inside a request: read more.
    Incomplete,
}

/// Redis's `string2ll`: an optional `-`, then digits without leading zeros
/// or any other byte; `None` when not such a number or out of range.
pub fn string2ll(s: &[u8]) -> Option<i64> {
    let (neg, digits) = match s.split_first()? {
        (b'-', rest) => (true, rest),
        _ => (false, s),
    };
    match digits {
        [] => return None,
        [b'0'] if !neg => return Some(0),
        [b'1'..=b'9', ..] => {}
        _ => return None,
    }
    let mut v: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    if neg {
        if v > i64::MAX as u64 + 1 {
            return None;
        }
        Some((v as i64).wrapping_neg())
    } else {
        i64::try_from(v).ok()
    }
}

fn find(haystack: &[u8], byte: u8) -> Option<usize> {
    haystack.iter().position(|&b| b == byte)
}

/// The first `INLINE_MAX + 1` bytes of `rest`: where the end of a line
/// that respects the limit must be.
fn line_window(rest: &[u8]) -> &[u8] {
    &rest[..rest.len().min(INLINE_MAX + 1)]
}

impl Parser {
    /// Where `byte` ends the line at the start of `rest`, searching only the
    /// line window and only the part not searched before.
    fn find_line_end(&mut self, rest: &[u8], byte: u8) -> Option<usize> {
        let window = line_window(rest);
        let from = (self.scanned as usize).min(window.len());
        let found = find(&window[from..], byte);
        #[cfg(test)]
        {
            self.searched += found.map_or(window.len() - from, |i| i + 1);
        }
        match found {
            Some(i) => Some(from + i),
            None => {
                self.scanned = window.len() as u32;
                None
            }
        }
    }

    /// Consumes `n` bytes: the next line starts unsearched.
    fn advance(&mut self, pos: &mut usize, n: usize) {
        *pos += n;
        self.scanned = 0;
    }

    /// The `*N` or `$N` line at the start of `rest`, without its CRLF, once
    /// the two bytes after `\r` have arrived (as Redis, the `\n` is taken
    /// unseen). A line longer than [`INLINE_MAX`] is the error `too_big`,
    /// whether or not its `\r` has arrived, so the outcome does not depend
    /// on how the bytes were split into reads (Redis checks only a line
    /// whose end is missing).
    fn count_line<'a>(
        &mut self,
        rest: &'a [u8],
        too_big: &str,
    ) -> Result<Option<&'a [u8]>, ProtocolError> {
        match self.find_line_end(rest, b'\r') {
            Some(cr) if cr + 2 <= rest.len() => Ok(Some(&rest[..cr])),
            Some(_) => Ok(None),
            None if rest.len() > INLINE_MAX => Err(ProtocolError::new(too_big)),
            None => Ok(None),
        }
    }

    /// The arguments of the request just parsed.
    pub fn args(&self) -> &[Vec<u8>] {
        &self.args[..self.argc]
    }

    /// Takes the argument buffers out (to run the request beside a `&mut`
    /// of their owner); give them back with [`Parser::restore`].
    pub fn take_args(&mut self) -> (Vec<Vec<u8>>, usize) {
        self.args_bytes = 0;
        (
            std::mem::take(&mut self.args),
            std::mem::replace(&mut self.argc, 0),
        )
    }

    /// Returns the buffers from [`Parser::take_args`] for reuse; a buffer
    /// that grew large goes to `pool` (or is freed) so an idle client
    /// stays small.
    pub fn restore(&mut self, mut args: Vec<Vec<u8>>, pool: &mut BulkPool) {
        const KEEP: usize = 1024;
        for a in &mut args {
            if a.capacity() > KEEP {
                pool.give(std::mem::take(a));
            }
        }
        self.args = args;
        self.argc = 0;
    }

    /// Heap bytes this parser keeps (its argument buffers): they grow with
    /// the arguments received, never with a count or length announced.
    pub fn heap_bytes(&self) -> usize {
        self.args.capacity() * std::mem::size_of::<Vec<u8>>()
            + self.args.iter().map(Vec::capacity).sum::<usize>()
    }

    /// Bytes of the request in progress that the parser holds: its complete
    /// arguments and what has arrived of the current one. With the query
    /// buffer, this is what the query-buffer limit counts.
    pub fn held_bytes(&self) -> usize {
        self.args_bytes + self.bulk_have as usize
    }

    /// The buffer of the argument being read, `args[argc]`.
    fn current_arg(&mut self) -> &mut Vec<u8> {
        if self.args.len() == self.argc {
            self.args.push(Vec::new());
        }
        &mut self.args[self.argc]
    }

    fn push_arg(&mut self, data: &[u8]) {
        let buf = self.current_arg();
        buf.clear();
        buf.extend_from_slice(data);
        self.args_bytes += data.len();
        self.argc += 1;
    }

    /// Starts a bulk argument of `len` bytes after its `$` line.
    fn start_bulk(&mut self, len: usize) {
        self.current_arg().clear();
        // At most MAX_BULK_LEN: fits.
        self.bulk_len = Some(len as u32);
        self.bulk_have = 0;
    }

    /// How much of the current bulk argument (`len` bytes and its CRLF)
    /// its buffer may hold now: all of it, or what has arrived plus at most
    /// [`BULK_STEP`] or what has arrived, whichever is more.
    fn bulk_target(&self, len: usize) -> usize {
        (len + 2).min(self.bulk_limit())
    }

    /// The most a bulk argument's buffer may hold now, whatever its length.
    fn bulk_limit(&self) -> usize {
        let have = self.bulk_have as usize;
        have + have.max(BULK_STEP)
    }

    /// Gives the buffer of a big bulk argument capacity for
    /// [`Parser::bulk_target`] bytes: a spare from `pool` when that is the
    /// whole argument (its stale bytes are initialized room), else fresh
    /// zeroed memory when nothing has arrived (free from the allocator for
    /// big sizes), else a reservation.
    fn reserve_bulk(&mut self, len: usize, pool: &mut BulkPool) {
        let (have, target, limit) = (
            self.bulk_have as usize,
            self.bulk_target(len),
            self.bulk_limit(),
        );
        let buf = self.current_arg();
        if buf.capacity() >= target {
            return;
        }
        // Only a spare within the step, so the buffer is never longer than
        // a reservation may make it.
        let spare = if target == len + 2 {
            pool.take(target, limit)
        } else {
            None
        };
        match spare {
            Some(mut spare) => {
                if spare.len() >= have {
                    spare[..have].copy_from_slice(&buf[..have]);
                } else {
                    spare.clear();
                    spare.extend_from_slice(&buf[..have]);
                }
                *buf = spare;
            }
            None if buf.capacity() == 0 => *buf = vec![0; target],
            None => buf.reserve_exact(target - buf.len()),
        }
    }

    /// Takes what `data` holds of the current bulk argument (and its CRLF)
    /// into its buffer; returns the bytes taken.
    fn take_bulk(&mut self, len: usize, data: &[u8], pool: &mut BulkPool) -> usize {
        let have = self.bulk_have as usize;
        let n = data.len().min(len + 2 - have);
        let cap = self.args.get(self.argc).map_or(0, Vec::capacity);
        if len + 2 >= BIG_ARG && n > 0 && cap < have + n {
            self.reserve_bulk(len, pool);
        }
        let buf = self.current_arg();
        if buf.len() >= have + n {
            // Room for a direct read that returned less, or a spare's.
            buf[have..have + n].copy_from_slice(&data[..n]);
        } else {
            buf.truncate(have);
            // Exactly what is needed when it is all here; else Vec's
            // doubling, so the copy stays linear as pieces come.
            if n == len + 2 - have {
                buf.reserve_exact(n);
            }
            buf.extend_from_slice(&data[..n]);
        }
        self.bulk_have += n as u32;
        n
    }

    /// True once the current bulk argument and its CRLF have all arrived:
    /// then it is complete, and the CRLF dropped unseen (as Redis does).
    fn finish_bulk(&mut self, len: usize) -> bool {
        if (self.bulk_have as usize) < len + 2 {
            return false;
        }
        let buf = self.current_arg();
        buf.truncate(len);
        // An argument that trickled in through small reads may have a
        // buffer up to twice its size: trimmed, since it may be stored.
        if oversized(buf.capacity(), len) {
            buf.shrink_to_fit();
        }
        self.args_bytes += len;
        self.argc += 1;
        self.bulk_len = None;
        self.bulk_have = 0;
        self.multibulk_left -= 1;
        true
    }

    /// When at least `min` bytes of the current bulk argument (with its
    /// CRLF) are still to come: room in the argument's own buffer to read
    /// them into, so a big argument is read without passing through a
    /// query buffer and becomes the argument without a copy (Redis's
    /// `PROTO_MBULK_BIG_ARG`). The buffer grows by at most
    /// [`BULK_STEP`] or what has arrived beyond the bytes that have
    /// arrived. After the read, report the bytes with [`Parser::bulk_filled`]
    /// and call [`Parser::parse`] (with no new bytes) to finish the request.
    /// A spare buffer from `pool` that holds the whole argument saves
    /// zeroing the room.
    pub fn bulk_room(&mut self, min: usize, pool: &mut BulkPool) -> Option<&mut [u8]> {
        let len = self.bulk_len? as usize;
        let (have, total) = (self.bulk_have as usize, len + 2);
        if total - have < min.max(1) {
            return None;
        }
        let target = self.bulk_target(len);
        if self.args.get(self.argc).map_or(0, Vec::len) <= have {
            // The room is used up (or there was none): make more.
            self.reserve_bulk(len, pool);
        }
        let buf = self.current_arg();
        // Zeroed within the capacity only: room left over from a read that
        // returned less grows nothing.
        if buf.len() < target && buf.capacity() >= target {
            buf.resize(target, 0);
        }
        // A spare's stale bytes may reach past the argument: not room.
        let end = buf.len().min(total);
        Some(&mut buf[have..end])
    }

    /// Records `n` bytes read into the room [`Parser::bulk_room`] gave.
    pub fn bulk_filled(&mut self, n: usize) {
        let have = self.bulk_have as usize + n;
        debug_assert!(have <= self.args.get(self.argc).map_or(0, Vec::len));
        // Room never reaches past the argument (a spare's stale bytes may).
        debug_assert!(
            self.bulk_len.is_some_and(|len| have <= len as usize + 2),
            "read past the argument"
        );
        self.bulk_have = have as u32;
    }

    /// Parses from `buf[*pos..]`, advancing `*pos` past what it consumed.
    /// Consumed bytes are never needed again, so the caller may drop them;
    /// unconsumed ones must be passed again, followed by new data.
    /// Big bulk arguments take their buffers from `pool` where it has
    /// one that fits.
    pub fn parse(
        &mut self,
        buf: &[u8],
        pos: &mut usize,
        pool: &mut BulkPool,
    ) -> Result<Parsed, ProtocolError> {
        if self.multibulk_left == 0 {
            match buf.get(*pos) {
                None => return Ok(Parsed::Incomplete),
                Some(b'*') => {}
                Some(_) => return self.parse_inline(buf, pos),
            }
        }
        self.parse_multibulk(buf, pos, pool)
    }

    fn parse_inline(&mut self, buf: &[u8], pos: &mut usize) -> Result<Parsed, ProtocolError> {
        let rest = &buf[*pos..];
        // As for count lines, the limit holds for the line however it was
        // split into reads.
        let Some(nl) = self.find_line_end(rest, b'\n') else {
            if rest.len() > INLINE_MAX {
                return Err(ProtocolError::new("too big inline request"));
            }
            return Ok(Parsed::Incomplete);
        };
        let mut line = &rest[..nl];
        if let [head @ .., b'\r'] = line {
            line = head;
        }
        let args =
            split_args(line).ok_or_else(|| ProtocolError::new("unbalanced quotes in request"))?;
        self.argc = 0;
        self.args_bytes = 0;
        for arg in &args {
            self.push_arg(arg);
        }
        self.advance(pos, nl + 1);
        Ok(Parsed::Request)
    }

    fn parse_multibulk(
        &mut self,
        buf: &[u8],
        pos: &mut usize,
        pool: &mut BulkPool,
    ) -> Result<Parsed, ProtocolError> {
        if self.multibulk_left == 0 {
            let Some(line) = self.count_line(&buf[*pos..], "too big mbulk count string")? else {
                return Ok(Parsed::Incomplete);
            };
            let count = string2ll(&line[1..])
                .filter(|&n| n <= MAX_MULTIBULK_LEN)
                .ok_or_else(|| ProtocolError::new("invalid multibulk length"))?;
            self.advance(pos, line.len() + 2);
            self.argc = 0;
            self.args_bytes = 0;
            if count <= 0 {
                return Ok(Parsed::Request);
            }
            self.multibulk_left = count;
            let want = (count as usize).min(ARGS_RESERVE_MAX);
            self.args.reserve(want.saturating_sub(self.args.len()));
        }
        while self.multibulk_left > 0 {
            let len = match self.bulk_len {
                Some(len) => len as usize,
                None => {
                    let Some(line) = self.count_line(&buf[*pos..], "too big bulk count string")?
                    else {
                        return Ok(Parsed::Incomplete);
                    };
                    // The line may be empty: then the byte seen is its `\r`.
                    let first = line.first().copied().unwrap_or(b'\r');
                    if first != b'$' {
                        return Err(ProtocolError(format!(
                            "expected '$', got '{}'",
                            char::from(first)
                        )));
                    }
                    let len = string2ll(&line[1..])
                        .filter(|&n| (0..=MAX_BULK_LEN).contains(&n))
                        .ok_or_else(|| ProtocolError::new("invalid bulk length"))?;
                    self.advance(pos, line.len() + 2);
                    self.start_bulk(len as usize);
                    len as usize
                }
            };
            let taken = self.take_bulk(len, &buf[*pos..], pool);
            self.advance(pos, taken);
            if !self.finish_bulk(len) {
                return Ok(Parsed::Incomplete);
            }
        }
        Ok(Parsed::Request)
    }
}

/// C's `isspace`: ASCII whitespace including vertical tab.
fn is_space(c: u8) -> bool {
    c.is_ascii_whitespace() || c == 0x0b
}

fn hex_value(b: u8) -> Option<u8> {
    char::from(b).to_digit(16).map(|d| d as u8)
}

/// Redis's `sdssplitargs`: space-separated arguments, with "double quotes"
/// (escapes `\n \r \t \b \a \\ \" \xHH`) and 'single quotes' (escape `\'`).
/// A closing quote must be followed by a space or the end. `None` for
/// unbalanced quotes. As in C, where the line is a string, a NUL byte ends
/// the line.
pub fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let line = &line[..find(line, 0).unwrap_or(line.len())];
    let mut args = Vec::new();
    let mut p = 0;
    loop {
        while line.get(p).is_some_and(|&c| is_space(c)) {
            p += 1;
        }
        if p >= line.len() {
            return Some(args);
        }
        let mut current = Vec::new();
        let mut quote: Option<u8> = None;
        loop {
            let c = line.get(p).copied();
            let next = line.get(p + 1).copied();
            match quote {
                Some(q) => {
                    // The line ending inside quotes leaves them unbalanced.
                    let c = c?;
                    if c == q {
                        // A closing quote must be followed by a space or the end.
                        if next.is_some_and(|n| !is_space(n)) {
                            return None;
                        }
                        p += 1;
                        break;
                    }
                    let hex = (
                        next,
                        line.get(p + 2).copied().and_then(hex_value),
                        line.get(p + 3).copied().and_then(hex_value),
                    );
                    match (q, c, hex) {
                        (b'"', b'\\', (Some(b'x'), Some(h), Some(l))) => {
                            current.push(h * 16 + l);
                            p += 3;
                        }
                        (b'"', b'\\', (Some(e), _, _)) => {
                            current.push(match e {
                                b'n' => b'\n',
                                b'r' => b'\r',
                                b't' => b'\t',
                                b'b' => 0x08,
                                b'a' => 0x07,
                                other => other,
                            });
                            p += 1;
                        }
                        (b'\'', b'\\', (Some(b'\''), _, _)) => {
                            current.push(b'\'');
                            p += 1;
                        }
                        _ => current.push(c),
                    }
                }
                None => match c {
                    None | Some(b' ' | b'\n' | b'\r' | b'\t' | 0) => break,
                    Some(q @ (b'"' | b'\'')) => quote = Some(q),
                    Some(c) => current.push(c),
                },
            }
            p += 1;
        }
        args.push(current);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(input: &[u8]) -> Vec<Result<Vec<Vec<u8>>, ProtocolError>> {
        let mut parser = Parser::default();
        let mut pos = 0;
        let mut out = Vec::new();
        loop {
            match parser.parse(input, &mut pos, &mut BulkPool::default()) {
                Ok(Parsed::Request) => out.push(Ok(parser.args().to_vec())),
                Ok(Parsed::Incomplete) => return out,
                Err(e) => {
                    out.push(Err(e));
                    return out;
                }
            }
        }
    }

    /// Feeds `input` in pieces of `step` bytes, keeping unconsumed bytes as
    /// a client's query buffer does.
    fn parse_split(input: &[u8], step: usize) -> Vec<Result<Vec<Vec<u8>>, ProtocolError>> {
        let mut parser = Parser::default();
        let mut query = Vec::new();
        let mut out = Vec::new();
        for chunk in input.chunks(step) {
            query.extend_from_slice(chunk);
            let mut pos = 0;
            loop {
                match parser.parse(&query, &mut pos, &mut BulkPool::default()) {
                    Ok(Parsed::Request) => out.push(Ok(parser.args().to_vec())),
                    Ok(Parsed::Incomplete) => break,
                    Err(e) => {
                        out.push(Err(e));
                        return out;
                    }
                }
            }
            query.drain(..pos);
        }
        out
    }

    fn args(list: &[&str]) -> Vec<Vec<u8>> {
        list.iter().map(|s| s.as_bytes().to_vec()).collect()
    }

    #[test]
    fn multibulk_and_inline_pipelined_in_any_split() {
        let input = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nv\r\nxy\r\nPING\r\nECHO \"a b\" 'c'\r\n*0\r\n\r\n";
        let expected = vec![
            Ok(args(&["SET", "k", "v\r\nxy"])),
            Ok(args(&["PING"])),
            Ok(args(&["ECHO", "a b", "c"])),
            Ok(vec![]),
            Ok(vec![]),
        ];
        assert_eq!(parse_all(input), expected);
        for step in 1..input.len() {
            assert_eq!(parse_split(input, step), expected, "step {step}");
        }
    }

    #[test]
    fn redis_error_texts() {
        let cases: &[(&[u8], &str)] = &[
            (b"*abc\r\n", "invalid multibulk length"),
            (b"*2147483648\r\n", "invalid multibulk length"),
            (b"*1\r\n+foo\r\n", "expected '$', got '+'"),
            (b"*1\r\n$-1\r\n", "invalid bulk length"),
            (b"*1\r\n$536870913\r\n", "invalid bulk length"),
            (b"*1\r\n$x\r\n", "invalid bulk length"),
            (b"SET \"a\r\n", "unbalanced quotes in request"),
            (b"SET \"a\"b\r\n", "unbalanced quotes in request"),
            (b"SET 'a\r\n", "unbalanced quotes in request"),
        ];
        for (input, msg) in cases {
            let out = parse_all(input);
            assert_eq!(
                out.last(),
                Some(&Err(ProtocolError(msg.to_string()))),
                "{input:?}"
            );
        }
    }

    #[test]
    fn length_limits_without_newline() {
        let big = vec![b'a'; INLINE_MAX + 1];
        assert_eq!(
            parse_all(&big),
            vec![Err(ProtocolError::new("too big inline request"))]
        );
        assert_eq!(parse_all(&big[..INLINE_MAX]), vec![]);
        let mut mbulk = b"*".to_vec();
        mbulk.extend(vec![b'1'; INLINE_MAX + 1]);
        assert_eq!(
            parse_all(&mbulk),
            vec![Err(ProtocolError::new("too big mbulk count string"))]
        );
        let mut bulk = b"*1\r\n$".to_vec();
        bulk.extend(vec![b'1'; INLINE_MAX + 1]);
        assert_eq!(
            parse_all(&bulk),
            vec![Err(ProtocolError::new("too big bulk count string"))]
        );
    }

    /// A line that arrives one byte per read is searched once in all, not
    /// once per read (which would be quadratic in its length).
    #[test]
    fn a_line_arriving_byte_by_byte_is_searched_once() {
        for prefix in [&b""[..], b"*", b"*1\r\n$"] {
            let mut line = prefix.to_vec();
            line.extend(std::iter::repeat(b'7').take(INLINE_MAX - 10));
            line.extend_from_slice(b"\r\n");
            let mut parser = Parser::default();
            let mut query = Vec::new();
            for &b in &line {
                query.push(b);
                let mut pos = 0;
                let _ = parser.parse(&query, &mut pos, &mut BulkPool::default());
                query.drain(..pos);
            }
            assert!(
                parser.searched <= 2 * line.len(),
                "{} for {}",
                parser.searched,
                line.len()
            );
        }
    }

    /// Found by the fuzz target: an empty line where a `$N` line belongs
    /// indexed an empty slice and panicked, from network input.
    #[test]
    fn empty_bulk_count_line_is_a_protocol_error() {
        assert_eq!(
            parse_all(b"*1\r\n\r\n"),
            vec![Err(ProtocolError::new("expected '$', got '\r'"))]
        );
    }

    /// A line over the limit is an error also when its end arrives in the
    /// same read; before, one piece parsed it (or failed differently) while
    /// smaller reads hit the limit.
    #[test]
    fn line_limits_do_not_depend_on_the_reads() {
        let mut inline = vec![b'a'; INLINE_MAX + 1];
        inline.extend_from_slice(b"\r\n");
        let mut count = b"*".to_vec();
        count.extend(vec![b'1'; INLINE_MAX + 1]);
        count.extend_from_slice(b"\r\n");
        let mut bulk = b"*1\r\n$".to_vec();
        bulk.extend(vec![b'1'; INLINE_MAX + 1]);
        bulk.extend_from_slice(b"\r\n");
        for (input, msg) in [
            (inline, "too big inline request"),
            (count, "too big mbulk count string"),
            (bulk, "too big bulk count string"),
        ] {
            let expected = vec![Err(ProtocolError::new(msg))];
            assert_eq!(parse_all(&input), expected);
            assert_eq!(parse_split(&input, 16 * 1024), expected);
        }
        // At the limit exactly, the line is fine.
        let mut inline = vec![b'a'; INLINE_MAX];
        inline.extend_from_slice(b"\n");
        assert_eq!(parse_all(&inline), vec![Ok(vec![vec![b'a'; INLINE_MAX]])]);
    }

    #[test]
    fn huge_announced_counts_allocate_as_arguments_arrive() {
        let mut parser = Parser::default();
        let mut pos = 0;
        let input = b"*2147483647\r\n$1\r\na\r\n";
        assert_eq!(
            parser.parse(input, &mut pos, &mut BulkPool::default()),
            Ok(Parsed::Incomplete)
        );
        assert_eq!(parser.argc, 1);
        assert!(parser.args.capacity() <= ARGS_RESERVE_MAX);
        // A bulk length of 512 MiB is accepted and waits for its data.
        let input = b"*1\r\n$536870912\r\n";
        let (mut parser, mut pos) = (Parser::default(), 0);
        assert_eq!(
            parser.parse(input, &mut pos, &mut BulkPool::default()),
            Ok(Parsed::Incomplete)
        );
        assert_eq!(pos, input.len());
    }

    fn set_request(value: &[u8]) -> Vec<u8> {
        let mut req = format!("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n${}\r\n", value.len()).into_bytes();
        req.extend_from_slice(value);
        req.extend_from_slice(b"\r\n");
        req
    }

    /// A big argument read straight into its buffer parses as the same
    /// bytes, whatever the reads, and its buffer is its exact size (CRLF
    /// included): the value costs its size.
    #[test]
    fn big_arguments_read_into_their_own_exact_buffer() {
        for len in [
            BULK_STEP / 3,
            BULK_STEP - 2,
            BULK_STEP + 12_345,
            3 * BULK_STEP,
        ] {
            let value: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let mut input = set_request(&value);
            input.extend_from_slice(b"PING\r\n");
            for step in [7_000, 16 * 1024, 100_000, len + 100] {
                let mut parser = Parser::default();
                let mut pos = 0;
                let head = input.len() - value.len() - 2 - 6;
                // The header and a first piece through the query buffer.
                let first = head + 10;
                assert_eq!(
                    parser.parse(&input[..first], &mut pos, &mut BulkPool::default()),
                    Ok(Parsed::Incomplete)
                );
                assert_eq!(pos, first);
                let mut received = first;
                while let Some(room) = parser.bulk_room(1, &mut BulkPool::default()) {
                    let n = room.len().min(step);
                    room[..n].copy_from_slice(&input[received..received + n]);
                    parser.bulk_filled(n);
                    received += n;
                    let kept = parser.heap_bytes();
                    assert!(
                        kept <= 2 * received + BULK_STEP + 4096,
                        "{kept} bytes kept after {received} received"
                    );
                }
                let mut pos = 0;
                assert_eq!(
                    parser.parse(&[], &mut pos, &mut BulkPool::default()),
                    Ok(Parsed::Request)
                );
                let (args, argc) = parser.take_args();
                assert_eq!(argc, 3);
                assert!(args[2] == value, "len {len} step {step}");
                assert_eq!(args[2].capacity(), len + 2, "len {len} step {step}");
                parser.restore(args, &mut BulkPool::default());
                let mut pos = 0;
                assert_eq!(
                    parser.parse(&input[received..], &mut pos, &mut BulkPool::default()),
                    Ok(Parsed::Request)
                );
                assert_eq!(parser.args(), &[b"PING".to_vec()]);
            }
            let out = crate::fuzzing::parse_in_reads(&input, &[16 * 1024]);
            assert_eq!(out.requests.len(), 2);
        }
    }

    /// A bulk length announced and not sent costs nothing; what arrives
    /// costs itself plus at most one step, never the announced size
    /// (CVE-2021-32675).
    #[test]
    fn an_announced_length_reserves_only_a_step_beyond_what_arrived() {
        let mut parser = Parser::default();
        let mut pos = 0;
        let input = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$536870912\r\n";
        assert_eq!(
            parser.parse(input, &mut pos, &mut BulkPool::default()),
            Ok(Parsed::Incomplete)
        );
        assert!(parser.heap_bytes() < 4096, "{}", parser.heap_bytes());
        let room = parser
            .bulk_room(1, &mut BulkPool::default())
            .expect("room for the value");
        assert_eq!(room.len(), BULK_STEP);
        room[..5].copy_from_slice(b"hello");
        parser.bulk_filled(5);
        assert_eq!(parser.held_bytes(), 3 + 1 + 5);
        assert!(parser.heap_bytes() < BULK_STEP + 4096);
        // More reads into the same room grow nothing.
        let room = parser
            .bulk_room(1, &mut BulkPool::default())
            .expect("the rest of the room");
        assert_eq!(room.len(), BULK_STEP - 5);
        assert!(parser.heap_bytes() < BULK_STEP + 4096);
    }

    /// A spare from the pool becomes the big argument's buffer, its stale
    /// bytes never show (the value, whatever the reads, is what was sent),
    /// and room never reaches past the argument, however long the spare's
    /// stale contents are.
    #[test]
    fn a_spare_buffer_becomes_the_argument_and_its_stale_bytes_never_show() {
        // Past one step, the spare is taken once the rest fits the next
        // step, and what has arrived moves into it.
        for (len, stale, step) in [100_000, BULK_STEP + 100_000]
            .into_iter()
            // Stale contents shorter than, as long as, and longer than the
            // argument with its CRLF.
            .flat_map(|len| [len / 2, len + 2, len + 2 + 4096].map(|stale| (len, stale)))
            .flat_map(|(len, stale)| {
                [1_000, 16 * 1024, 70_000, usize::MAX].map(|step| (len, stale, step))
            })
        {
            let value: Vec<u8> = (0..len).map(|i| (i % 253) as u8).collect();
            let mut input = set_request(&value);
            input.extend_from_slice(b"PING\r\n");
            let mut pool = BulkPool::default();
            let mut spare = vec![0xAA; stale];
            spare.reserve_exact((len + 2).saturating_sub(stale));
            let spare_at = spare.as_ptr();
            pool.give(spare);
            let mut buffers = Vec::new();
            let out = crate::fuzzing::parse_in_reads_with(&input, &[step], &mut pool, |args| {
                buffers.push(args.last().map(|a| a.as_ptr()))
            });
            let requests = out.requests;
            assert_eq!(requests.len(), 2, "stale {stale} step {step}");
            // In one piece, a value past one step is copied whole.
            if step < input.len() || len < BULK_STEP {
                assert_eq!(buffers[0], Some(spare_at), "stale {stale} step {step}");
            }
            assert!(requests[0][2] == value, "stale {stale} step {step}");
            assert_eq!(requests[1], vec![b"PING".to_vec()]);
        }
    }

    /// The bytes a partial request holds, for the query-buffer limit: every
    /// complete argument and what has arrived of the current one.
    #[test]
    fn held_bytes_count_the_request_in_progress() {
        let mut parser = Parser::default();
        let mut pos = 0;
        let input = b"*3\r\n$3\r\nSET\r\n$5\r\nkey12\r\n$10\r\n0123";
        assert_eq!(
            parser.parse(input, &mut pos, &mut BulkPool::default()),
            Ok(Parsed::Incomplete)
        );
        assert_eq!(parser.held_bytes(), 3 + 5 + 4);
        let mut pos = 0;
        assert_eq!(
            parser.parse(b"456789\r\n", &mut pos, &mut BulkPool::default()),
            Ok(Parsed::Request)
        );
        let (args, _) = parser.take_args();
        assert_eq!(parser.held_bytes(), 0);
        parser.restore(args, &mut BulkPool::default());
    }

    #[test]
    fn string2ll_is_strict() {
        assert_eq!(string2ll(b"0"), Some(0));
        assert_eq!(string2ll(b"-12"), Some(-12));
        assert_eq!(string2ll(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(string2ll(b"-9223372036854775808"), Some(i64::MIN));
        for bad in [
            &b""[..],
            b"-",
            b"01",
            b"-0",
            b"+1",
            b" 1",
            b"1 ",
            b"9223372036854775808",
            b"1a",
        ] {
            assert_eq!(string2ll(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn split_args_as_sdssplitargs() {
        assert_eq!(split_args(b"  set  k   v "), Some(args(&["set", "k", "v"])));
        assert_eq!(
            split_args(b"\"\\x41\\n\\\"\" 'it\\'s'"),
            Some(args(&["A\n\"", "it's"]))
        );
        assert_eq!(split_args(b"a\"b c\"d"), None);
        assert_eq!(split_args(b"a\"b c\" d"), Some(args(&["ab c", "d"])));
        assert_eq!(split_args(b"\"\""), Some(args(&[""])));
        assert_eq!(split_args(b""), Some(vec![]));
        assert_eq!(split_args(b"\"abc"), None);
        // Not a hex escape: the backslash escapes the `x`, as in Redis.
        assert_eq!(split_args(b"\"\\xZZ\" '\\a'"), Some(args(&["xZZ", "\\a"])));
    }

    /// Found by the fuzz target: a NUL outside quotes made split_args push
    /// empty arguments forever (a hang and unbounded memory from one
    /// inline request, `PING \0`). As sdssplitargs, whose line is a C
    /// string, the NUL ends the line.
    #[test]
    fn nul_ends_an_inline_line() {
        assert_eq!(split_args(b"PING \0 x"), Some(args(&["PING"])));
        assert_eq!(split_args(b"\0PING"), Some(vec![]));
        assert_eq!(split_args(b"ECHO \"a\0b\""), None);
        assert_eq!(split_args(b"ECHO \"a\"\0x"), Some(args(&["ECHO", "a"])));
        assert_eq!(
            parse_all(b"PING \0 x\r\nECHO a\0\r\n"),
            vec![Ok(args(&["PING"])), Ok(args(&["ECHO", "a"]))]
        );
    }
}
