//! `AE_BACKEND` picks the backend of `EventLoop::<AnyPoller, _>::new`.
//!
//! One test in its own binary: the environment is the process's, and
//! nothing else here reads it meanwhile.

use std::io::ErrorKind;

use ae::{AnyPoller, Backend, EventLoop, Poller};

fn backend_of_new_loop() -> std::io::Result<&'static str> {
    EventLoop::<AnyPoller>::new(64).map(|el| el.name())
}

#[test]
fn ae_backend_chooses_the_backend_and_refuses_what_cannot_run() {
    std::env::remove_var(Backend::ENV);
    assert_eq!(Backend::from_env().unwrap(), Backend::best());
    assert_eq!(backend_of_new_loop().unwrap(), Backend::best().name());

    std::env::set_var(Backend::ENV, "");
    assert_eq!(Backend::from_env().unwrap(), Backend::best());

    for b in Backend::available() {
        std::env::set_var(Backend::ENV, b.name());
        assert_eq!(Backend::from_env().unwrap(), b);
        assert_eq!(backend_of_new_loop().unwrap(), b.name());
        let p = AnyPoller::new(64).unwrap();
        assert_eq!((p.backend(), p.name()), (b, b.name()));
    }

    // Unknown names and names this build cannot run: InvalidInput, listing
    // what can.
    let unavailable = Backend::ALL.into_iter().filter(|b| !b.is_available());
    let bad: Vec<String> = ["devpoll", "EPOLL", " select"]
        .into_iter()
        .map(String::from)
        .chain(unavailable.map(|b| b.name().to_string()))
        .collect();
    for name in bad {
        std::env::set_var(Backend::ENV, &name);
        for err in [
            Backend::from_env().unwrap_err(),
            backend_of_new_loop().unwrap_err(),
        ] {
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{name}: {err}");
            let msg = err.to_string();
            assert!(msg.contains("AE_BACKEND"), "{msg}");
            for b in Backend::available() {
                assert!(msg.contains(b.name()), "{name}: {msg} lacks {b}");
            }
        }
    }
    std::env::remove_var(Backend::ENV);
}
