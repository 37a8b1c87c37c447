//! The one list of platforms and their best backend, in ae.c's order
//! (evport, epoll, kqueue, select: the `#ifdef HAVE_EVPORT` chain at the top
//! of Redis's `ae.c`), as cfgs for the crate and its tests:
//! - `ae_best = "evport" | "epoll" | "kqueue" | "select"`: what `ae::Best` is;
//! - `ae_evport`: event ports run here (illumos, Solaris);
//! - `ae_epoll`: epoll runs here;
//! - `ae_kqueue`: kqueue runs here (natively, or on Linux through libkqueue
//!   when the `libkqueue` feature is on and `LIBKQUEUE_DIR` says where it is).
//!
//! poll runs on every unix and is never the best (Redis has no poll
//! backend), so it needs no cfg.

use std::env;

fn main() {
    println!(
        "cargo:rustc-check-cfg=cfg(ae_best, values(\"evport\", \"epoll\", \"kqueue\", \"select\"))"
    );
    println!("cargo:rustc-check-cfg=cfg(ae_evport)");
    println!("cargo:rustc-check-cfg=cfg(ae_epoll)");
    println!("cargo:rustc-check-cfg=cfg(ae_kqueue)");
    println!("cargo:rerun-if-env-changed=LIBKQUEUE_DIR");
    let os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let evport = matches!(os.as_str(), "illumos" | "solaris");
    let epoll = matches!(os.as_str(), "linux" | "android");
    let kqueue_native = matches!(
        os.as_str(),
        "macos" | "ios" | "freebsd" | "netbsd" | "openbsd" | "dragonfly"
    );
    let libkqueue = os == "linux"
        && env::var_os("CARGO_FEATURE_LIBKQUEUE").is_some()
        && env::var_os("LIBKQUEUE_DIR").is_some();
    let best = if evport {
        "evport"
    } else if epoll {
        "epoll"
    } else if kqueue_native {
        "kqueue"
    } else {
        "select"
    };
    println!("cargo:rustc-cfg=ae_best=\"{best}\"");
    if evport {
        println!("cargo:rustc-cfg=ae_evport");
    }
    if epoll {
        println!("cargo:rustc-cfg=ae_epoll");
    }
    if kqueue_native || libkqueue {
        println!("cargo:rustc-cfg=ae_kqueue");
    }
}
