//! `Kqueue` exists in every build; where kqueue is not built in, creating
//! one says so instead of failing to compile.
// With the libkqueue feature but no LIBKQUEUE_DIR nothing links: not built.
#![cfg(any(ae_kqueue_runnable, not(feature = "libkqueue")))]

#[test]
fn creating_a_kqueue_works_or_says_it_is_not_built_in() {
    ae_testkit::created_or_unsupported::<ae_kqueue::Kqueue>(
        "kqueue",
        ae_kqueue::AVAILABLE,
        "libkqueue",
    );
}
