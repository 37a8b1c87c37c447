//! The codec's own tests: round trips through the engine's types, the
//! encodings at their edges, files built by hand in the encodings only
//! Redis writes, and truncation and corruption sweeps.

use super::sample::every_type;
use super::*;
use crate::engine::db::{Hash, List, Set, Value, ZSet};

/// Far in the future and the past, as Unix ms.
const NOW: i64 = 1_700_000_000_000;

/// Everything a keyspace holds, in a comparable form: per db, the keys
/// sorted, each with its deadline and value (sets sorted, with the
/// encoding flags the engine keeps).
fn dump(ks: &Keyspace) -> Vec<Vec<String>> {
    ks.iter()
        .map(|db| {
            let mut keys: Vec<String> = db
                .iter()
                .map(|(k, e)| {
                    let v = match &e.value {
                        Value::Small(_) | Value::Inline(_) | Value::Shared(_) => {
                            format!("str {:?} {:?}", &*e.value, e.enc)
                        }
                        Value::List(l) => format!("list {l:?}"),
                        Value::Hash(h) => format!("hash {:?} big={}", h.map, h.big),
                        Value::Set(s) => {
                            let mut m: Vec<_> = s.members.iter().collect();
                            m.sort();
                            format!("set {m:?} intset={}", s.intset)
                        }
                        Value::ZSet(z) => format!(
                            "zset {:?} skiplist={}",
                            z.sorted.iter().collect::<Vec<_>>(),
                            z.skiplist
                        ),
                    };
                    format!("{k:?} ttl={:?} {v}", e.deadline())
                })
                .collect();
            keys.sort();
            keys
        })
        .collect()
}

fn saved(ks: &Keyspace) -> Vec<u8> {
    let mut out = Vec::new();
    save(ks, NOW, SaveOptions::default(), &mut out, &mut |_| Ok(())).unwrap();
    out
}

fn reload(bytes: &[u8], dbs: usize) -> (Keyspace, Loaded) {
    let mut ks = Keyspace::new(dbs);
    let loaded = load(bytes, &mut ks, NOW).unwrap_or_else(|e| panic!("load: {e}"));
    (ks, loaded)
}

#[test]
fn every_type_round_trips() {
    let ks = every_type(NOW);
    let bytes = saved(&ks);
    let (back, loaded) = reload(&bytes, 16);
    // Saving leaves out what had expired.
    let mut live = every_type(NOW);
    let mut count = 0;
    for i in 0..16 {
        let db = &mut live[i];
        let expired: Vec<Vec<u8>> = db
            .keys()
            .filter(|k| db.is_expired(k, NOW))
            .map(<[u8]>::to_vec)
            .collect();
        for k in expired {
            db.remove(&k);
        }
        count += db.len();
    }
    assert_eq!(dump(&back), dump(&live));
    assert_eq!(loaded.keys_loaded as usize, count);
    assert_eq!(loaded.keys_expired, 0);
    // Db 7 held only an expired key: no SELECTDB 7 at all.
    assert!(!bytes.windows(2).any(|w| w == [RDB_OPCODE_SELECTDB, 7]));
}

#[test]
fn header_and_aux_fields_as_redis_writes_them() {
    let bytes = saved(&Keyspace::new(1));
    let mut want = b"REDIS0010".to_vec();
    want.extend(b"\xfa\x09redis-ver\x067.0.15");
    want.extend(b"\xfa\x0aredis-bits\xc0\x40");
    want.extend(b"\xfa\x05ctime\xc2");
    want.extend(((NOW / 1000) as i32).to_le_bytes());
    want.extend(b"\xfa\x08used-mem\xc0\x00\xfa\x08aof-base\xc0\x00\xff");
    assert_eq!(&bytes[..bytes.len() - 8], &want[..]);
    let crc = crc64::crc64(0, &want);
    assert_eq!(&bytes[bytes.len() - 8..], &crc.to_le_bytes());
}

/// How often `needle` occurs in `hay`.
fn occurrences(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).filter(|w| *w == needle).count()
}

#[test]
fn rdbcompression_no_writes_strings_as_they_are() {
    let mut ks = Keyspace::new(1);
    // 1200 bytes that LZF shrinks to a few dozen, as a string value, a
    // list element and a key (all go through rdbSaveRawString).
    let long = b"compress me ".repeat(100);
    ks[0].set(b"string", long.clone(), None);
    ks[0].add(
        b"list",
        Value::List(Box::new(List::from([long.clone().into()]))),
    );
    ks[0].set(&long, b"v".to_vec(), None);
    // The length 1200 in 14 bits (0x4B0), then the bytes.
    let mut verbatim = vec![0x40 | 0x04, 0xB0];
    verbatim.extend_from_slice(&long);
    let packed = saved(&ks);
    assert_eq!(occurrences(&packed, &long), 0, "compressed by default");
    let mut plain = Vec::new();
    let off = SaveOptions {
        compression: false,
        ..SaveOptions::default()
    };
    save(&ks, NOW, off, &mut plain, &mut |_| Ok(())).unwrap();
    assert_eq!(occurrences(&plain, &verbatim), 3);
    assert!(plain.len() > packed.len() + 3 * 1000);
    // Integers keep their encoding: it is not compression.
    let mut ints = Keyspace::new(1);
    ints[0].set(b"n", b"12345".to_vec(), None);
    let mut plain_ints = Vec::new();
    save(&ints, NOW, off, &mut plain_ints, &mut |_| Ok(())).unwrap();
    assert_eq!(plain_ints, saved(&ints));
    assert_eq!(occurrences(&plain_ints, b"\x01n\xc1\x39\x30"), 1);
    let (back, _) = reload(&plain, 1);
    assert_eq!(dump(&back), dump(&ks));
}

/// `used-mem` is written as `rdbSaveAuxFieldStrInt` writes it: the
/// decimal text, in the integer encoding when it fits 32 bits.
#[test]
fn used_mem_aux_field_holds_the_heap_given() {
    let field = |used_mem: u64| {
        let mut out = Vec::new();
        let options = SaveOptions {
            used_mem,
            ..SaveOptions::default()
        };
        save(&Keyspace::new(1), NOW, options, &mut out, &mut |_| Ok(())).unwrap();
        let at = out
            .windows(10)
            .position(|w| w == b"\xfa\x08used-mem")
            .expect("a used-mem aux field");
        let rest = &out[at + 10..];
        let end = rest
            .windows(10)
            .position(|w| w == b"\xfa\x08aof-base")
            .expect("aof-base after it");
        rest[..end].to_vec()
    };
    assert_eq!(field(0), b"\xc0\x00");
    assert_eq!(field(123_456), b"\xc2\x40\xe2\x01\x00");
    assert_eq!(field(5_000_000_000), b"\x0a5000000000");
}

/// `rdb-key-save-delay` waits after each key and changes nothing written.
#[test]
fn key_save_delay_slows_the_save_only() {
    let mut ks = Keyspace::new(2);
    for i in 0..30 {
        ks[i % 2].set(format!("k{i}").as_bytes(), b"v".to_vec(), None);
    }
    let delayed = |key_save_delay: i64| {
        let options = SaveOptions {
            key_save_delay,
            ..SaveOptions::default()
        };
        let mut out = Vec::new();
        let start = std::time::Instant::now();
        save(&ks, NOW, options, &mut out, &mut |_| Ok(())).unwrap();
        (out, start.elapsed())
    };
    // 30 keys, 5 ms each.
    let (slow, took) = delayed(5000);
    assert!(took >= std::time::Duration::from_millis(150), "{took:?}");
    assert_eq!(slow, saved(&ks));
    // -N: 1 µs after one key in N; any value is taken (no panic at the
    // bounds).
    for d in [-1, -7, i64::from(i32::MIN)] {
        assert_eq!(delayed(d).0, saved(&ks), "{d}");
    }
}

/// The progress callback is told the keys written after the first and
/// every 1024th more, over all databases; its error stops the save, and
/// `save_file` then leaves no temporary file.
#[test]
fn progress_every_1024_keys_and_its_error_stops_the_save() {
    let mut ks = Keyspace::new(3);
    for i in 0..3000 {
        ks[i % 3].set(format!("k{i}").as_bytes(), b"v".to_vec(), None);
    }
    let mut told = Vec::new();
    let mut out = Vec::new();
    save(&ks, NOW, SaveOptions::default(), &mut out, &mut |keys| {
        told.push(keys);
        Ok(())
    })
    .unwrap();
    assert_eq!(told, [1, 1 + PROGRESS_EVERY, 1 + 2 * PROGRESS_EVERY]);
    assert_eq!(out, saved(&ks));
    let dir = std::env::temp_dir().join(format!("ae-rdb-progress-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let stopped = save_file(
        &ks,
        NOW,
        SaveOptions::default(),
        &dir.join("dump.rdb"),
        &mut |keys| {
            if keys > 1 {
                Err(io::Error::other("the server is gone"))
            } else {
                Ok(())
            }
        },
    );
    assert_eq!(stopped.unwrap_err().to_string(), "the server is gone");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn integer_encodings_at_their_edges() {
    let enc = |s: &str| write::int_encoding(s.as_bytes()).map(|(b, n)| b[..n].to_vec());
    assert_eq!(enc("127"), Some(vec![0xC0, 0x7F]));
    assert_eq!(enc("-128"), Some(vec![0xC0, 0x80]));
    assert_eq!(enc("128"), Some(vec![0xC1, 0x80, 0x00]));
    assert_eq!(enc("-32768"), Some(vec![0xC1, 0x00, 0x80]));
    assert_eq!(enc("32768"), Some(vec![0xC2, 0x00, 0x80, 0x00, 0x00]));
    assert_eq!(enc("2147483647"), Some(vec![0xC2, 0xFF, 0xFF, 0xFF, 0x7F]));
    assert_eq!(enc("-2147483648"), Some(vec![0xC2, 0x00, 0x00, 0x00, 0x80]));
    for s in [
        "2147483648",
        "-2147483649",
        "-0",
        "007",
        "+1",
        " 1",
        "",
        "1.0",
    ] {
        assert_eq!(enc(s), None, "{s:?} stays a string");
    }
}

/// A file of `body` between the header and EOF, with its checksum.
fn file(body: &[u8]) -> Vec<u8> {
    let mut f = MAGIC.to_vec();
    f.extend(body);
    f.push(RDB_OPCODE_EOF);
    let crc = crc64::crc64(0, &f);
    f.extend(crc.to_le_bytes());
    f
}

/// A short string as the file stores it.
fn s(b: &[u8]) -> Vec<u8> {
    assert!(b.len() < 64);
    [vec![b.len() as u8], b.to_vec()].concat()
}

/// A listpack of short strings and small integers.
fn lp(items: &[&str]) -> Vec<u8> {
    let mut body = Vec::new();
    for it in items {
        match it.parse::<u8>() {
            Ok(v) if v < 128 => body.extend([v, 1]),
            _ => {
                assert!(it.len() < 64);
                body.push(0x80 | it.len() as u8);
                body.extend(it.as_bytes());
                body.push(1 + it.len() as u8);
            }
        }
    }
    let mut out = ((body.len() + 7) as u32).to_le_bytes().to_vec();
    out.extend((items.len() as u16).to_le_bytes());
    out.extend(body);
    out.push(0xFF);
    out
}

/// A ziplist of short strings.
fn zl(items: &[&str]) -> Vec<u8> {
    let mut body = Vec::new();
    let mut prev = 0u8;
    for it in items {
        body.push(prev);
        body.push(it.len() as u8);
        body.extend(it.as_bytes());
        prev = 2 + it.len() as u8;
    }
    let mut out = ((body.len() + 11) as u32).to_le_bytes().to_vec();
    out.extend(0u32.to_le_bytes());
    out.extend((items.len() as u16).to_le_bytes());
    out.extend(body);
    out.push(0xFF);
    out
}

fn blob(b: &[u8]) -> Vec<u8> {
    assert!(b.len() < 16384);
    [vec![0x40 | (b.len() >> 8) as u8, b.len() as u8], b.to_vec()].concat()
}

#[test]
fn packed_encodings_redis_writes() {
    let mut body = vec![RDB_OPCODE_SELECTDB, 1, RDB_OPCODE_RESIZEDB, 6, 1];
    // QUICKLIST_2: a packed node and a plain one.
    body.push(RDB_TYPE_LIST_QUICKLIST_2);
    body.extend(s(b"ql"));
    body.extend([2, 2]);
    body.extend(blob(&lp(&["a", "5", "b"])));
    body.push(1);
    body.extend(s(b"plain"));
    // QUICKLIST with a ziplist node.
    body.push(RDB_TYPE_LIST_QUICKLIST);
    body.extend(s(b"qz"));
    body.push(1);
    body.extend(blob(&zl(&["x", "y"])));
    // An intset of 16-bit integers, with an expiry in seconds.
    body.push(RDB_OPCODE_EXPIRETIME);
    body.extend(((NOW / 1000 + 100) as i32).to_le_bytes());
    body.extend([RDB_OPCODE_IDLE, 5, RDB_OPCODE_FREQ, 3]);
    body.push(RDB_TYPE_SET_INTSET);
    body.extend(s(b"is"));
    let mut is = 2u32.to_le_bytes().to_vec();
    is.extend(3u32.to_le_bytes());
    for v in [-3i16, 1, 300] {
        is.extend(v.to_le_bytes());
    }
    body.extend(blob(&is));
    body.push(RDB_TYPE_HASH_LISTPACK);
    body.extend(s(b"hl"));
    body.extend(blob(&lp(&["f2", "v2", "f1", "1"])));
    body.push(RDB_TYPE_HASH_ZIPLIST);
    body.extend(s(b"hz"));
    body.extend(blob(&zl(&["f", "v"])));
    body.push(RDB_TYPE_ZSET_LISTPACK);
    body.extend(s(b"zl"));
    body.extend(blob(&lp(&["a", "1", "b", "2.5", "c", "-inf"])));
    body.push(RDB_TYPE_ZSET_ZIPLIST);
    body.extend(s(b"zz"));
    body.extend(blob(&zl(&["a", "3"])));
    // ZSET: scores as text, 254 for +inf.
    body.push(RDB_TYPE_ZSET);
    body.extend(s(b"zt"));
    body.push(2);
    body.extend(s(b"m"));
    body.extend(s(b"1.25"));
    body.extend(s(b"n"));
    body.push(254);
    // An empty list is skipped, as Redis skips it.
    body.push(RDB_TYPE_LIST);
    body.extend(s(b"empty"));
    body.push(0);
    let (ks, loaded) = reload(&file(&body), 2);
    assert_eq!(loaded.keys_loaded, 8);
    let db = &ks[1];
    let get = |k: &[u8]| &db.peek(k).unwrap_or_else(|| panic!("{k:?}")).value;
    let list = |k: &[u8]| match get(k) {
        Value::List(l) => l
            .iter()
            .map(|e| String::from_utf8(e.to_vec()).unwrap())
            .collect::<Vec<_>>(),
        _ => panic!("not a list"),
    };
    assert_eq!(list(b"ql"), ["a", "5", "b", "plain"]);
    assert_eq!(list(b"qz"), ["x", "y"]);
    match get(b"is") {
        Value::Set(s) => {
            assert!(s.intset);
            let members: Vec<&[u8]> = s.ordered().into_iter().map(|m| &**m).collect();
            assert_eq!(members, [&b"-3"[..], b"1", b"300"]);
        }
        _ => panic!("not a set"),
    }
    assert_eq!(
        db.peek(b"is").unwrap().deadline(),
        Some((NOW / 1000 + 100) * 1000)
    );
    match get(b"hl") {
        Value::Hash(h) => {
            let pairs: Vec<(&[u8], &[u8])> = h.map.iter().map(|(f, v)| (&**f, &**v)).collect();
            assert_eq!(pairs, [(&b"f2"[..], &b"v2"[..]), (b"f1", b"1")]);
            assert!(!h.big);
        }
        _ => panic!("not a hash"),
    }
    assert!(matches!(get(b"hz"), Value::Hash(h) if h.map.len() == 1));
    let zset = |k: &[u8]| match get(k) {
        Value::ZSet(z) => z
            .sorted
            .iter()
            .map(|(s, m)| (*s, m.to_vec()))
            .collect::<Vec<_>>(),
        _ => panic!("not a zset"),
    };
    assert_eq!(
        zset(b"zl"),
        [
            (f64::NEG_INFINITY, b"c".to_vec()),
            (1.0, b"a".to_vec()),
            (2.5, b"b".to_vec())
        ]
    );
    assert_eq!(zset(b"zz"), [(3.0, b"a".to_vec())]);
    assert_eq!(
        zset(b"zt"),
        [(1.25, b"m".to_vec()), (f64::INFINITY, b"n".to_vec())]
    );
    assert!(!db.contains(b"empty"));
}

#[test]
fn a_file_redis_server_wrote() {
    // redis-server 7.0.15: `SET s <41 a's>bcabcabcabc`, SAVE. The value is
    // LZF-compressed; the checksum is Redis's.
    let dump: &[u8] = &[
        0x52, 0x45, 0x44, 0x49, 0x53, 0x30, 0x30, 0x31, 0x30, 0xfa, 0x09, 0x72, 0x65, 0x64, 0x69,
        0x73, 0x2d, 0x76, 0x65, 0x72, 0x06, 0x37, 0x2e, 0x30, 0x2e, 0x31, 0x35, 0xfa, 0x0a, 0x72,
        0x65, 0x64, 0x69, 0x73, 0x2d, 0x62, 0x69, 0x74, 0x73, 0xc0, 0x40, 0xfa, 0x05, 0x63, 0x74,
        0x69, 0x6d, 0x65, 0xc2, 0xf7, 0x1a, 0x13, 0x6b, 0xfa, 0x08, 0x75, 0x73, 0x65, 0x64, 0x2d,
        0x6d, 0x65, 0x6d, 0xc2, 0x68, 0x55, 0x0e, 0x00, 0xfa, 0x08, 0x61, 0x6f, 0x66, 0x2d, 0x62,
        0x61, 0x73, 0x65, 0xc0, 0x00, 0xfe, 0x00, 0xfb, 0x01, 0x00, 0x00, 0x01, 0x73, 0xc3, 0x0e,
        0x34, 0x01, 0x61, 0x61, 0xe0, 0x1e, 0x00, 0x01, 0x62, 0x63, 0xa0, 0x02, 0x01, 0x62, 0x63,
        0xff, 0xa3, 0xe8, 0xbb, 0xa9, 0x48, 0x37, 0xc6, 0x16,
    ];
    let (ks, loaded) = reload(dump, 1);
    assert_eq!(loaded.keys_loaded, 1);
    assert_eq!(
        &*ks[0].peek(b"s").unwrap().value,
        b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaabcabcabcabc"
    );
    // With rdbchecksum no the stored checksum is 0 and is not checked.
    let mut unchecked = dump.to_vec();
    let n = unchecked.len();
    unchecked[n - 8..].fill(0);
    reload(&unchecked, 1);
}

#[test]
fn deadlines_kept_and_expired_keys_skipped() {
    let mut ks = Keyspace::new(1);
    ks[0].set(b"later", b"1".to_vec(), Some(NOW + 10));
    ks[0].set(b"now", b"1".to_vec(), Some(NOW));
    ks[0].set(b"gone", b"1".to_vec(), Some(NOW - 1));
    ks[0].set(b"never", b"1".to_vec(), None);
    let (back, _) = reload(&saved(&ks), 1);
    assert_eq!(back[0].len(), 3);
    assert_eq!(back[0].peek(b"later").unwrap().deadline(), Some(NOW + 10));
    assert_eq!(back[0].peek(b"now").unwrap().deadline(), Some(NOW));
    assert_eq!(back[0].peek(b"never").unwrap().deadline(), None);
    // Loading later: the keys expired since are counted, not stored.
    let mut later = Keyspace::new(1);
    let loaded = load(&saved(&ks), &mut later, NOW + 5).unwrap();
    assert_eq!(
        loaded,
        Loaded {
            keys_loaded: 2,
            keys_expired: 1
        }
    );
    assert!(later[0].contains(b"later") && !later[0].contains(b"now"));
}

fn load_err(bytes: &[u8], dbs: usize) -> String {
    let mut ks = Keyspace::new(dbs);
    match load(bytes, &mut ks, NOW) {
        Ok(l) => panic!("loaded {l:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn what_this_refuses_and_why() {
    let mut ks = Keyspace::new(3);
    ks[2].set(b"k", b"v".to_vec(), None);
    let e = load_err(&saved(&ks), 2);
    assert!(
        e.contains("SELECTDB 2") && e.contains("server has 2"),
        "{e}"
    );

    let e = load_err(b"REDIS0011\xff\0\0\0\0\0\0\0\0", 1);
    assert!(e.contains("version 11"), "{e}");
    let e = load_err(b"RUDIS0010\xff\0\0\0\0\0\0\0\0", 1);
    assert!(e.contains("not an RDB file"), "{e}");

    let e = load_err(&file(&[RDB_TYPE_STREAM_LISTPACKS_2, 1, b'k', 0]), 1);
    assert!(e.contains("unsupported value type 19 (stream)"), "{e}");
    let e = load_err(&file(&[RDB_TYPE_STREAM_LISTPACKS, 1, b'k', 0]), 1);
    assert!(e.contains("unsupported value type 15 (stream)"), "{e}");
    let e = load_err(&file(&[RDB_TYPE_MODULE_2, 1, b'k', 0]), 1);
    assert!(e.contains("(module)"), "{e}");
    let e = load_err(&file(&[RDB_OPCODE_FUNCTION2, 0]), 1);
    assert!(e.contains("function"), "{e}");
    let e = load_err(&file(&[RDB_OPCODE_MODULE_AUX, 0]), 1);
    assert!(e.contains("module"), "{e}");
    let e = load_err(&file(&[8, 1, b'k', 0]), 1);
    assert!(e.contains("unknown value type 8"), "{e}");

    let dup_set = [&[RDB_TYPE_SET, 1, b'k', 2][..], &s(b"a"), &s(b"a")].concat();
    assert!(load_err(&file(&dup_set), 1).contains("duplicate set members"));
    let dup_ints = [&[RDB_TYPE_SET, 1, b'k', 2][..], &[0xC0, 1, 0xC0, 1]].concat();
    assert!(load_err(&file(&dup_ints), 1).contains("duplicate set members"));
    let dup_hash = [
        &[RDB_TYPE_HASH, 1, b'k', 2][..],
        &s(b"f"),
        &s(b"1"),
        &s(b"f"),
        &s(b"2"),
    ]
    .concat();
    assert!(load_err(&file(&dup_hash), 1).contains("duplicate hash fields"));
    let dup_lp = [
        &[RDB_TYPE_HASH_LISTPACK, 1, b'k'][..],
        &blob(&lp(&["f", "1", "f", "2"])),
    ]
    .concat();
    assert!(load_err(&file(&dup_lp), 1).contains("duplicate hash fields"));
    let dup_z = [
        &[RDB_TYPE_ZSET_LISTPACK, 1, b'k'][..],
        &blob(&lp(&["m", "1", "m", "2"])),
    ]
    .concat();
    assert!(load_err(&file(&dup_z), 1).contains("duplicate sorted set members"));
    let nan = [&[RDB_TYPE_ZSET, 1, b'k', 1][..], &s(b"m"), &[253]].concat();
    assert!(load_err(&file(&nan), 1).contains("NaN"));
    let dup_key = [
        &[RDB_TYPE_STRING][..],
        &s(b"k"),
        &s(b"1"),
        &[RDB_TYPE_STRING],
        &s(b"k"),
        &s(b"2"),
    ]
    .concat();
    assert!(load_err(&file(&dup_key), 1).contains("duplicate key"));
    // A length far beyond the input is refused before any allocation.
    let huge = [
        RDB_TYPE_STRING,
        1,
        b'k',
        RDB_64BITLEN,
        0x7f,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
    ];
    assert!(load_err(&file(&huge), 1).contains("longer than"));
    let huge_list = [
        RDB_TYPE_LIST,
        1,
        b'k',
        RDB_64BITLEN,
        0x7f,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
    ];
    // (and a list claiming 2^62 elements ends at the first bad one).
    let e = load_err(&file(&huge_list), 1);
    assert!(e.contains("a list element"), "{e}");

    let mut bad = saved(&every_type(NOW));
    let n = bad.len();
    bad[n - 1] ^= 1;
    let e = load_err(&bad, 16);
    assert!(e.contains("checksum mismatch"), "{e}");
}

#[test]
fn truncated_and_corrupted_files_are_errors() {
    // Small enough to sweep every cut and many flips in a moment, with
    // every type and a compressed-looking mix of encodings.
    let mut ks = Keyspace::new(2);
    ks[0].set(b"str", b"hello".to_vec(), Some(NOW + 1000));
    ks[0].set(b"int", b"-12345".to_vec(), None);
    ks[0].add(
        b"list",
        Value::List(Box::new(List::from([b"a"[..].into(), b"300"[..].into()]))),
    );
    let mut h = Hash::default();
    h.map.insert(b"f"[..].into(), b"v"[..].into());
    ks[0].add(b"hash", Value::Hash(Box::new(h)));
    let mut set = Set::default();
    set.add(b"1".to_vec());
    set.add(b"x".to_vec());
    ks[1].add(b"set", Value::Set(Box::new(set)));
    let mut z = ZSet::default();
    z.insert(b"m".to_vec(), 2.5);
    ks[1].add(b"zset", Value::ZSet(Box::new(z)));
    let good = saved(&ks);
    for cut in 0..good.len() {
        let mut into = Keyspace::new(2);
        assert!(
            load(&good[..cut], &mut into, NOW).is_err(),
            "cut at {cut} loaded"
        );
    }
    let mut caught = 0;
    for at in 0..good.len() {
        for bit in [0x01u8, 0x10, 0x80, 0xFF] {
            let mut bad = good.clone();
            bad[at] ^= bit;
            let mut into = Keyspace::new(2);
            match load(&bad, &mut into, NOW) {
                Err(e) => caught += usize::from(e.what.contains("checksum mismatch")),
                Ok(_) if at >= good.len() - 8 => panic!("a flipped checksum byte at {at} passed"),
                // A flip can only pass where the checksum is not
                // checked: nowhere in this file.
                Ok(l) => panic!("flip {bit:#x} at {at} loaded {l:?}"),
            }
        }
    }
    assert!(caught > 0);
    // Files built by hand in the packed encodings, cut and flipped too
    // (their checksums are recomputed, so the decoders meet the damage).
    let body = [
        &[RDB_TYPE_HASH_LISTPACK, 1, b'h'][..],
        &blob(&lp(&["f", "1", "g", "abc"])),
        &[RDB_TYPE_ZSET_ZIPLIST, 1, b'z'],
        &blob(&zl(&["m", "1.5"])),
        &[RDB_TYPE_LIST_QUICKLIST_2, 1, b'l', 1, 2],
        &blob(&lp(&["a", "b"])),
    ]
    .concat();
    for at in 0..body.len() {
        for bit in [0x01u8, 0x40, 0x80, 0xFF] {
            let mut bad = body.clone();
            bad[at] ^= bit;
            let mut into = Keyspace::new(1);
            let _ = load(&file(&bad), &mut into, NOW);
        }
        let mut into = Keyspace::new(1);
        let _ = load(&file(&body[..at]), &mut into, NOW);
    }
}

#[test]
fn save_file_replaces_the_target_whole() {
    let dir = std::env::temp_dir().join(format!("ae-rdb-unit-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("dump.rdb");
    std::fs::write(&path, b"old").unwrap();
    let ks = every_type(NOW);
    save_file(&ks, NOW, SaveOptions::default(), &path, &mut |_| Ok(())).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(bytes, saved(&ks));
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, [std::ffi::OsString::from("dump.rdb")]);
    // Into a directory that is not there: an error.
    assert!(save_file(
        &ks,
        NOW,
        SaveOptions::default(),
        &dir.join("no/such/dump.rdb"),
        &mut |_| Ok(())
    )
    .is_err());
    // Over a directory that is not empty: written, then the rename fails,
    // and the temporary file goes.
    let blocker = dir.join("blocker");
    std::fs::create_dir_all(blocker.join("inside")).unwrap();
    assert!(save_file(&ks, NOW, SaveOptions::default(), &blocker, &mut |_| Ok(())).is_err());
    let mut left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    left.sort();
    assert_eq!(left, ["blocker", "dump.rdb"].map(std::ffi::OsString::from));
    assert_eq!(
        std::fs::read(&path).unwrap(),
        bytes,
        "the old file is whole"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
