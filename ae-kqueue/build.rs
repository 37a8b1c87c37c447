//! Links libkqueue on Linux when the `libkqueue` feature is on, and tells the
//! tests whether kqueue can run here (cfg `ae_kqueue_runnable`).
//!
//! The library's install prefix comes from `LIBKQUEUE_DIR` (`lib/` and
//! `include/` under it). Without it the crate still type-checks (`cargo
//! check`), and the tests say that they cannot run instead of failing to link.

fn main() {
    println!("cargo:rerun-if-env-changed=LIBKQUEUE_DIR");
    println!("cargo::rustc-check-cfg=cfg(ae_kqueue_runnable)");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let native = ["macos", "ios", "freebsd", "openbsd", "netbsd", "dragonfly"];
    if native.contains(&os.as_str()) {
        println!("cargo:rustc-cfg=ae_kqueue_runnable");
        return;
    }
    if os != "linux" || std::env::var_os("CARGO_FEATURE_LIBKQUEUE").is_none() {
        return;
    }
    match std::env::var("LIBKQUEUE_DIR") {
        Ok(dir) if !dir.is_empty() => {
            println!("cargo:rustc-link-search=native={dir}/lib");
            println!("cargo:rustc-link-lib=dylib=kqueue");
            println!("cargo:rustc-cfg=ae_kqueue_runnable");
        }
        _ => println!(
            "cargo:warning=LIBKQUEUE_DIR is unset: ae-kqueue type-checks but cannot link or run"
        ),
    }
}
