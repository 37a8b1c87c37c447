//! `Kqueue` exists in every build; where kqueue is not built in, creating
//! one says so instead of failing to compile.
// With the libkqueue feature but no LIBKQUEUE_DIR nothing links: not built.
#![cfg(any(ae_kqueue_runnable, not(feature = "libkqueue")))]

use ae_core::{EventLoop, Poller};
use ae_kqueue::{Kqueue, AVAILABLE};

#[test]
fn creating_a_kqueue_works_or_says_it_is_not_built_in() {
    let built_in = AVAILABLE;
    match Kqueue::new(64) {
        Ok(kq) => {
            assert!(built_in);
            assert_eq!(kq.name(), "kqueue");
        }
        Err(e) => {
            assert!(!built_in, "{e}");
            assert_eq!(e.kind(), std::io::ErrorKind::Unsupported);
            assert!(e.to_string().contains("libkqueue"), "{e}");
            let err = EventLoop::<Kqueue>::new(64)
                .err()
                .expect("no loop without kqueue");
            assert_eq!(err.kind(), std::io::ErrorKind::Unsupported);
        }
    }
}
