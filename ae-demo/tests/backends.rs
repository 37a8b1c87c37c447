//! Choosing the backend: `--backend`, `AE_BACKEND`, select with default
//! flags, and fatal start-up errors a user can act on.

mod common;

use std::net::TcpListener;
use std::process::{Command, Output};

use ae::Backend;
use common::Server;
use redis::cmd;

fn demo(args: &[&str], backend_env: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ae-demo"));
    c.args(args).env_remove(Backend::ENV);
    if let Some(b) = backend_env {
        c.env(Backend::ENV, b);
    }
    c.output().expect("run ae-demo")
}

/// A start-up failure: a non-zero exit, and one stderr line, ending with a
/// newline, that says what to change.
fn fatal(out: &Output, to_change: &str) -> String {
    assert!(!out.status.success(), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(err.ends_with('\n'), "no final newline: {err:?}");
    assert!(
        err.contains(to_change),
        "{err:?} does not mention {to_change}"
    );
    err
}

#[test]
fn select_with_default_flags_lowers_maxclients_and_serves() {
    let server = Server::start(&["--backend", "select"]);
    let mut con = server.redis();
    assert_eq!(cmd("PING").query::<String>(&mut con).unwrap(), "PONG");
    let max = Backend::Select.max_set_size().unwrap();
    let fits = max - ae_demo::server::FDSET_RESERVE;
    assert!(server.log_contains(&format!(
        "maxclients has been reduced to {fits} (by {})",
        10_000 - fits
    )));
    assert!(server.log_contains(&format!("backend=select, maxclients={fits}")));
    // A limit that fits is left alone.
    let server = Server::start(&["--backend", "select", "--maxclients", "500"]);
    assert!(server.log_contains("backend=select, maxclients=500,"));
    assert!(!server.log_contains("reduced"));
}

#[test]
fn ae_backend_names_the_backend_and_the_flag_wins() {
    for b in Backend::available() {
        std::env::set_var(Backend::ENV, b.name());
        let server = Server::start(&["--maxclients", "100"]);
        assert!(server.log_contains(&format!("backend={b},")), "{b}");
        let other = Backend::Select;
        let server = Server::start(&["--maxclients", "100", "--backend", other.name()]);
        assert!(server.log_contains(&format!("backend={other},")), "{b}");
    }
    std::env::remove_var(Backend::ENV);
}

#[test]
fn unknown_or_unavailable_backends_are_refused_listing_the_choices() {
    let mut bad: Vec<String> = vec!["devpoll".into()];
    bad.extend(
        Backend::ALL
            .into_iter()
            .filter(|b| !b.is_available())
            .map(|b| b.to_string()),
    );
    for name in &bad {
        for out in [
            demo(&["--backend", name], None),
            demo(&["--port", "0"], Some(name)),
        ] {
            let err = fatal(&out, "available:");
            for b in Backend::available() {
                assert!(err.contains(b.name()), "{err}");
            }
        }
    }
}

#[test]
fn a_port_in_use_is_a_fatal_error_that_says_what_to_change() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = demo(&["--port", &port], None);
    fatal(&out, "--port");
}
