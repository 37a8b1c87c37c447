//! `Epoll` exists in every build; off Linux and Android, creating one says
//! so instead of failing to compile.

#[test]
fn creating_an_epoll_works_or_says_it_is_unsupported() {
    ae_testkit::created_or_unsupported::<ae_epoll::Epoll>("epoll", ae_epoll::AVAILABLE, "Linux");
}
