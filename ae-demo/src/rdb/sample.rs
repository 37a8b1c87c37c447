//! Test support: one keyspace holding every type the RDB format stores,
//! for the round-trip tests of this crate and for the tests that have
//! redis-server load what it writes.

use crate::engine::db::{Hash, List, Set, Value, ZSet};
use crate::engine::Keyspace;

/// A keyspace built through the engine's API with every type on both
/// sides of each encoding limit, TTLs relative to `now`, and keys in
/// databases 0, 1 and 15 of 16 (database 7 holds only a key expired at
/// `now`, which a save leaves out).
pub fn every_type(now: i64) -> Keyspace {
    let mut ks = Keyspace::new(16);
    let db = &mut ks[0];
    for s in [
        "",
        "0",
        "-0",
        "007",
        "+1",
        "127",
        "128",
        "-129",
        "32768",
        "-32769",
        "2147483648",
        "-2147483649",
        "9223372036854775807",
        "92233720368547758070",
        "1.5",
        "hello",
    ] {
        db.set(format!("s:{s}").as_bytes(), s.as_bytes().to_vec(), None);
    }
    db.set(b"s:45", vec![b'e'; 45], None);
    db.set(b"s:big", b"0123456789".repeat(10_000), None);
    db.set(b"s:binary", (0..=255u8).collect(), None);
    db.set(b"s:ttl", b"v".to_vec(), Some(now + 60_000));
    db.set(b"s:expired", b"v".to_vec(), Some(now - 1));
    let list: List = (0..1000)
        .map(|i| format!("element-{i}").into_bytes().into())
        .collect();
    db.add(b"list:big", Value::List(Box::new(list)));
    let mut l = List::new();
    l.push_back(b"12"[..].into());
    l.push_back(vec![b'l'; 70].into());
    l.push_back(Vec::new().into());
    db.add(b"list:small", Value::List(Box::new(l)));
    db.set_expire(b"list:small", now + 30_000);
    for (name, n, vlen) in [
        ("small", 5, 3),
        ("big", 200, 3),
        ("longval", 3, 65),
        ("edge", 128, 64),
    ] {
        let mut h = Hash::default();
        for i in (0..n).rev() {
            let mut v = format!("{i}").into_bytes();
            v.resize(vlen.max(v.len()), b'v');
            let longest = v.len();
            h.map
                .insert(format!("field{i}").into_bytes().into(), v.into());
            h.grew(longest);
        }
        db.add(format!("hash:{name}").as_bytes(), Value::Hash(Box::new(h)));
    }
    // Name, size, the i-th member.
    type Members = (&'static str, usize, fn(usize) -> String);
    let sets: [Members; 5] = [
        ("ints", 20, |i| (i as i64 * 1_000_003 - 7).to_string()),
        ("ints64", 5, |i| (i64::MAX - i as i64).to_string()),
        ("ints512", 512, |i| i.to_string()),
        ("ints513", 513, |i| i.to_string()),
        ("mixed", 10, |i| {
            if i % 2 == 0 {
                i.to_string()
            } else {
                format!("m{i}")
            }
        }),
    ];
    for (name, n, member) in sets {
        let mut s = Set::default();
        for i in 0..n {
            s.add(member(i).into_bytes());
        }
        db.add(format!("set:{name}").as_bytes(), Value::Set(Box::new(s)));
    }
    for (name, n, mlen) in [
        ("small", 5, 1),
        ("big", 129, 1),
        ("longmember", 2, 65),
        ("edge", 128, 64),
    ] {
        let mut z = ZSet::default();
        for i in 0..n {
            let mut m = format!("m{i}").into_bytes();
            m.resize(mlen.max(m.len()), b'z');
            z.insert(m, i as f64 * 0.25 - 7.0);
        }
        z.insert(b"+inf".to_vec(), f64::INFINITY);
        z.insert(b"-inf".to_vec(), f64::NEG_INFINITY);
        z.insert(b"tiny".to_vec(), 1e-300);
        z.insert(b"int".to_vec(), 42.0);
        db.add(format!("zset:{name}").as_bytes(), Value::ZSet(Box::new(z)));
    }
    ks[1].set(b"in-db-1", b"1".to_vec(), None);
    ks[15].set(b"in-db-15", b"fifteen".to_vec(), Some(now + 120_000));
    ks[7].set(b"only-expired", b"x".to_vec(), Some(now - 1000));
    ks
}
