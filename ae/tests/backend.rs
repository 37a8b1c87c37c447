//! What `Backend` says of this build, and that `Best` is what it names.

use ae::{Backend, Best, EventLoop, Poller};

#[test]
fn best_is_available_and_is_the_best_type() {
    let best = Backend::best();
    assert!(best.is_available());
    assert_eq!(Backend::available()[0], best, "best first");
    let el: EventLoop<Best> = EventLoop::new(64).unwrap();
    assert_eq!(el.name(), best.name());
}

#[test]
fn names_round_trip_and_unknown_names_list_the_choices() {
    for b in Backend::ALL {
        assert_eq!(b.to_string(), b.name());
        assert_eq!(b.name().parse::<Backend>().unwrap(), b);
    }
    let err = "devpoll".parse::<Backend>().unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    for b in Backend::ALL {
        assert!(err.to_string().contains(b.name()), "{err}");
    }
}

#[test]
fn every_backend_creates_a_loop_or_says_it_cannot_run_here() {
    for b in Backend::ALL {
        match b.event_loop::<()>(64) {
            Ok(el) => {
                assert!(b.is_available());
                assert_eq!(el.name(), b.name());
            }
            Err(e) => {
                assert!(!b.is_available(), "{b}: {e}");
                assert_eq!(e.kind(), std::io::ErrorKind::Unsupported, "{b}: {e}");
                let parsed = Backend::parse_available(b.name()).unwrap_err();
                assert_eq!(parsed.kind(), std::io::ErrorKind::InvalidInput);
            }
        }
    }
    assert!(Backend::available().contains(&Backend::Select));
    assert!(Backend::available().contains(&Backend::Poll));
    // What the platforms have, stated independently of the crates' own cfgs.
    let linux = cfg!(any(target_os = "linux", target_os = "android"));
    let sun = cfg!(any(target_os = "illumos", target_os = "solaris"));
    assert_eq!(Backend::Epoll.is_available(), linux);
    assert_eq!(Backend::Evport.is_available(), sun);
    let bsd = cfg!(any(
        target_os = "macos",
        target_os = "ios",
        target_os = "freebsd",
        target_os = "netbsd",
        target_os = "openbsd",
        target_os = "dragonfly"
    ));
    let best = match () {
        _ if sun => Backend::Evport,
        _ if linux => Backend::Epoll,
        _ if bsd => Backend::Kqueue,
        _ => Backend::Select,
    };
    assert_eq!(Backend::best(), best, "Redis's order");
}

#[test]
fn select_refuses_more_than_it_can_hold() {
    let max = Backend::Select.max_set_size().unwrap();
    assert!(Backend::Select.event_loop::<()>(max).is_ok());
    let err = Backend::Select.event_loop::<()>(max + 1).err().unwrap();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert_eq!(Backend::Epoll.max_set_size(), None);
    // poll holds what select cannot.
    assert_eq!(Backend::Poll.max_set_size(), None);
    assert!(Backend::Poll.event_loop::<()>(max + 1).is_ok());
    let p = ae::AnyPoller::with_backend(Backend::Select, 8).unwrap();
    assert_eq!(p.name(), "select");
}
