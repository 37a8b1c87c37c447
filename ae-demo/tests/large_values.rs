//! Values from 32 KiB to several MiB: they come back byte for byte however
//! the requests are split and pipelined, a GET answers with the value the
//! key had when it ran, replies share the stored value instead of copying
//! it, and the query-buffer limit counts every argument a request holds.

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

use common::{eventually, read_line, read_n, read_to_close, Server};

/// `SET key value` in RESP.
fn set_request(key: &[u8], value: &[u8]) -> Vec<u8> {
    let mut req = format!("*3\r\n$3\r\nSET\r\n${}\r\n", key.len()).into_bytes();
    req.extend_from_slice(key);
    req.extend_from_slice(format!("\r\n${}\r\n", value.len()).as_bytes());
    req.extend_from_slice(value);
    req.extend_from_slice(b"\r\n");
    req
}

/// The reply to a GET of `value`.
fn bulk(value: &[u8]) -> Vec<u8> {
    let mut out = format!("${}\r\n", value.len()).into_bytes();
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
    out
}

/// `len` bytes that differ from one position and one `seed` to the next.
fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[3] ^ seed)
        .collect()
}

/// Writes `data` in pieces of `piece` bytes, flushing each (so the server
/// sees them in separate reads more often than not).
fn write_in_pieces(s: &mut TcpStream, data: &[u8], piece: usize) {
    for chunk in data.chunks(piece) {
        s.write_all(chunk).unwrap();
        s.flush().unwrap();
    }
}

#[test]
fn big_values_round_trip_whatever_the_split() {
    let server = Server::start(&[]);
    let mut s = server.connect();
    let sizes = [
        32 * 1024 - 1,
        32 * 1024,
        100_000,
        1_000_000,
        1_500_000,
        3_000_000,
    ];
    for (i, &len) in sizes.iter().enumerate() {
        let value = pattern(len, i as u8);
        for piece in [1_000, 65_536, usize::MAX] {
            let mut req = set_request(b"big", &value);
            // Pipelined behind it: a small request, then GET twice.
            req.extend_from_slice(b"PING\r\nGET big\r\nGET big\r\n");
            write_in_pieces(&mut s, &req, piece);
            let mut expected = b"+OK\r\n+PONG\r\n".to_vec();
            expected.extend(bulk(&value).repeat(2));
            let got = read_n(&mut s, expected.len());
            assert!(got == expected, "len {len}, pieces of {piece}");
        }
    }
}

/// A GET answers with the value the key had when the GET ran, also when
/// the key is overwritten while the reply is still being sent.
#[test]
fn a_pending_reply_keeps_the_value_it_read() {
    let server = Server::start(&[]);
    let mut s = server.connect();
    let old = pattern(2_000_000, 1);
    let new = pattern(2_000_000, 2);
    s.write_all(&set_request(b"k", &old)).unwrap();
    assert_eq!(read_line(&mut s), b"+OK");
    let mut req = b"GET k\r\n".to_vec();
    req.extend(set_request(b"k", &new));
    req.extend_from_slice(b"GET k\r\nAPPEND k x\r\nGET k\r\n");
    // APPEND may not exist: then it is an error and the value stays.
    s.write_all(&req).unwrap();
    // The server has run all of it before this client reads a byte.
    std::thread::sleep(Duration::from_millis(200));
    let got = read_n(&mut s, bulk(&old).len());
    assert!(got == bulk(&old), "the first GET sent the new value");
    assert_eq!(read_line(&mut s), b"+OK");
    let got = read_n(&mut s, bulk(&new).len());
    assert!(got == bulk(&new));
    let appended = read_line(&mut s);
    let mut last = new.clone();
    if appended.starts_with(b":") {
        last.push(b'x');
    }
    let got = read_n(&mut s, bulk(&last).len());
    assert!(got == bulk(&last));
}

/// Stored values cost their size, and replies that are waiting to be sent
/// share them: 32 pending GETs of 32 stored 1.5 MB values (48 MB of
/// replies) add little to the server's memory, where copies would add
/// 48 MB.
#[test]
fn stored_values_cost_their_size_and_replies_share_them() {
    const N: usize = 32;
    const LEN: usize = 1_500_000;
    let server = Server::start(&[]);
    let mut control = server.connect();
    control.write_all(b"PING\r\n").unwrap();
    assert_eq!(read_line(&mut control), b"+PONG");
    let rss_start = server.status_kib("VmRSS");
    let mut s = server.connect();
    for i in 0..N {
        let key = format!("k{i}");
        s.write_all(&set_request(key.as_bytes(), &pattern(LEN, i as u8)))
            .unwrap();
        assert_eq!(read_line(&mut s), b"+OK");
    }
    let rss_stored = server.status_kib("VmRSS");
    let stored_kib = (N * LEN / 1024) as u64;
    println!("VmRSS {rss_start} KiB, with {N} values of {LEN} bytes: {rss_stored} KiB");
    assert!(
        rss_stored < rss_start + stored_kib + stored_kib / 4,
        "{N} values of {LEN} bytes cost {} KiB",
        rss_stored - rss_start
    );
    // A reader that does not read: the replies wait in the server.
    let mut slow = server.connect();
    let gets: Vec<u8> = (0..N)
        .flat_map(|i| format!("GET k{i}\r\n").into_bytes())
        .collect();
    slow.write_all(&gets).unwrap();
    eventually("the GETs to run", || {
        control.write_all(b"INFO stats\r\n").unwrap();
        let head = read_line(&mut control);
        let len: usize = std::str::from_utf8(&head[1..]).unwrap().parse().unwrap();
        let info = String::from_utf8(read_n(&mut control, len + 2)).unwrap();
        common::info_value(&info, "total_commands_processed") >= (2 * N) as u64
    });
    let rss_pending = server.status_kib("VmRSS");
    println!("with {N} GET replies pending: {rss_pending} KiB");
    assert!(
        rss_pending < rss_stored + stored_kib / 4,
        "pending replies added {} KiB",
        rss_pending.saturating_sub(rss_stored)
    );
    drop(slow);
}

/// The query-buffer limit counts the arguments a request has completed,
/// not only its unparsed tail: two arguments of 700 KB pass a 1 MB limit
/// one at a time, not together.
#[test]
fn the_query_buffer_limit_counts_every_argument_held() {
    let server = Server::start(&["--client-query-buffer-limit", "1mb"]);
    let mut s = server.connect();
    let value = vec![b'v'; 700_000];
    // One 700 KB argument is fine.
    s.write_all(&set_request(b"k", &value)).unwrap();
    assert_eq!(read_line(&mut s), b"+OK");
    // Two in one request are over the limit before the request is whole.
    let mut req = format!("*4\r\n$3\r\nSET\r\n$1\r\nk\r\n${}\r\n", value.len()).into_bytes();
    req.extend_from_slice(&value);
    req.extend_from_slice(format!("\r\n${}\r\n", value.len()).as_bytes());
    req.extend_from_slice(&value);
    req.extend_from_slice(b"\r\n");
    // The server may close while this is being written.
    let _ = s.write_all(&req);
    assert_eq!(read_to_close(&mut s), b"");
    eventually("the log line", || {
        server.log_contains("max query buffer length")
    });
}

/// A SET that replaces a big value lends the old value's buffer to the
/// next big argument read (`ae_demo::bulk_pool`): whatever the sizes and
/// the reads, each value reads back as sent, none of the old bytes with
/// it. (GETRANGE copies what it sends, so no reply holds a value and every
/// replaced buffer can be reused.)
#[test]
fn reused_buffers_of_replaced_values_never_show_their_old_bytes() {
    let server = Server::start(&[]);
    let mut s = server.connect();
    let sizes = [200_000, 190_000, 180_000, 200_000, 160_001, 100_000, 90_000];
    let mut req = Vec::new();
    let mut expected = Vec::new();
    for (i, &len) in sizes.iter().enumerate() {
        let value = pattern(len, 0x40 + i as u8);
        req.extend(set_request(b"k", &value));
        req.extend_from_slice(b"GETRANGE k 0 -1\r\n");
        expected.extend_from_slice(b"+OK\r\n");
        expected.extend(bulk(&value));
    }
    for piece in [4_000, 65_536, usize::MAX] {
        write_in_pieces(&mut s, &req, piece);
        let got = read_n(&mut s, expected.len());
        assert!(got == expected, "pieces of {piece}");
    }
}

/// The kernel holds few of a client's unsent replies (TCP_NOTSENT_LOWAT on
/// Linux): replies a client does not read yet wait in its list on the
/// server, where big values are shared and the output limit counts them,
/// not megabytes deep in the socket's send buffer.
#[cfg(any(target_os = "linux", target_os = "android"))]
#[test]
fn unread_replies_wait_on_the_server_not_in_the_kernel() {
    let server = Server::start(&[]);
    let mut control = server.connect();
    let value = pattern(1_000_000, 9);
    control.write_all(&set_request(b"big", &value)).unwrap();
    assert_eq!(read_line(&mut control), b"+OK");
    let mut slow = server.connect();
    let gets = 12;
    let total = gets * bulk(&value).len();
    slow.write_all(&b"GET big\r\n".repeat(gets)).unwrap();
    // The kernel holds what the peer's receive buffer took (it grows only
    // as the peer reads, from tcp_rmem's default) and 64 KiB unsent: 218
    // KiB here with tcp_rmem's default of 128 KiB, against 3.8 MiB without
    // the option (a new connection's send buffer; autotuning grows it to
    // megabytes more).
    let rmem_default: usize = std::fs::read_to_string("/proc/sys/net/ipv4/tcp_rmem")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(128 * 1024);
    let held_by_kernel = rmem_default + (1 << 20);
    let mut pending = || {
        control.write_all(b"CLIENT LIST\r\n").unwrap();
        let header = read_line(&mut control);
        let len: usize = std::str::from_utf8(&header[1..]).unwrap().parse().unwrap();
        let list = read_n(&mut control, len + 2);
        String::from_utf8_lossy(&list)
            .lines()
            .filter(|l| !l.contains("cmd=client"))
            .filter_map(|l| l.split(' ').find_map(|f| f.strip_prefix("obl=")))
            .filter_map(|v| v.parse::<usize>().ok())
            .max()
            .unwrap_or(0)
    };
    // Once the server has written what the kernel takes, the count stays.
    let mut last = usize::MAX;
    let mut obl = 0;
    eventually("the pending replies to settle", || {
        std::thread::sleep(Duration::from_millis(20));
        (last, obl) = (obl, pending());
        obl > 0 && obl < total && obl == last
    });
    assert!(
        obl >= total - held_by_kernel,
        "{obl} of {total} bytes of replies pending on the server"
    );
    // And all of it arrives once the client reads.
    let got = read_n(&mut slow, total);
    assert!(got == bulk(&value).repeat(gets));
}
