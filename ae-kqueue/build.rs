//! The one place that says where kqueue exists, for the crate, its tests and
//! (through [`AVAILABLE`] and [`NATIVE`] in `src/lib.rs`) for `ae`:
//! - cfg `ae_kqueue = "native"`: the kernel has kqueue (macOS, iOS and the
//!   BSDs);
//! - cfg `ae_kqueue = "libkqueue"`: Linux with the `libkqueue` feature: the
//!   backend is built on libkqueue's declarations (`src/sys.rs`), so it
//!   type-checks even where the library is not installed;
//! - cfg `ae_kqueue_runnable`: kqueue runs in this build: natively, or on
//!   libkqueue linked from a non-empty `LIBKQUEUE_DIR` (its `lib/` and
//!   `include/`). An empty `LIBKQUEUE_DIR` is unset, as a shell's `VAR=` is.
//!
//! [`AVAILABLE`]: https://docs.rs/ae-loop-kqueue/latest/ae_kqueue/constant.AVAILABLE.html
//! [`NATIVE`]: https://docs.rs/ae-loop-kqueue/latest/ae_kqueue/constant.NATIVE.html

fn main() {
    println!("cargo:rerun-if-env-changed=LIBKQUEUE_DIR");
    println!("cargo:rustc-check-cfg=cfg(ae_kqueue, values(\"native\", \"libkqueue\"))");
    println!("cargo:rustc-check-cfg=cfg(ae_kqueue_runnable)");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let native = ["macos", "ios", "freebsd", "openbsd", "netbsd", "dragonfly"];
    if native.contains(&os.as_str()) {
        println!("cargo:rustc-cfg=ae_kqueue=\"native\"");
        println!("cargo:rustc-cfg=ae_kqueue_runnable");
        return;
    }
    if os != "linux" || std::env::var_os("CARGO_FEATURE_LIBKQUEUE").is_none() {
        return;
    }
    println!("cargo:rustc-cfg=ae_kqueue=\"libkqueue\"");
    match std::env::var("LIBKQUEUE_DIR") {
        Ok(dir) if !dir.is_empty() => {
            println!("cargo:rustc-link-search=native={dir}/lib");
            println!("cargo:rustc-link-lib=dylib=kqueue");
            println!("cargo:rustc-cfg=ae_kqueue_runnable");
        }
        _ => println!(
            "cargo:warning=LIBKQUEUE_DIR is unset or empty: ae-kqueue type-checks but cannot link or run"
        ),
    }
}
