//! `Epoll` exists in every build; off Linux and Android, creating one says
//! so instead of failing to compile.

use ae_core::{EventLoop, Poller};
use ae_epoll::{Epoll, AVAILABLE};

#[test]
fn creating_an_epoll_works_or_says_it_is_unsupported() {
    let created = Epoll::new(64);
    assert_eq!(created.is_ok(), AVAILABLE);
    match created {
        Ok(ep) => assert_eq!(ep.name(), "epoll"),
        Err(e) => {
            assert_eq!(e.kind(), std::io::ErrorKind::Unsupported);
            assert!(e.to_string().contains("Linux"), "{e}");
            let err = EventLoop::<Epoll>::new(64)
                .err()
                .expect("no loop without epoll");
            assert_eq!(err.kind(), std::io::ErrorKind::Unsupported);
        }
    }
}
