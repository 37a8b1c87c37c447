//! What only the event-port backend shows (B9 of `docs/semantics.md`): a
//! reported fd is dissociated by the port and associated again at the next
//! poll, with whatever interest handlers left it in between.
//!
//! These run on illumos and Solaris only; elsewhere the file type-checks
//! (`cargo check --target x86_64-unknown-illumos -p ae-loop-evport --all-targets`)
//! and one ignored test says why nothing ran.

#[cfg(not(any(target_os = "illumos", target_os = "solaris")))]
#[test]
#[ignore = "event ports exist on illumos and Solaris only"]
fn evport_tests_not_run() {}

#[cfg(any(target_os = "illumos", target_os = "solaris"))]
mod native {
    use std::io::Write;
    use std::os::fd::{AsFd, AsRawFd, RawFd};
    use std::os::unix::net::UnixStream;
    use std::time::Duration;

    use ae_core::{Fired, Mask, Poller};
    use ae_evport::Evport;

    const R: Mask = Mask::READABLE;
    const W: Mask = Mask::WRITABLE;

    fn poll_now(p: &mut Evport) -> Vec<Fired> {
        let mut fired = Vec::new();
        p.poll(Some(Duration::ZERO), &mut fired).expect("poll");
        fired.sort_by_key(|f| f.fd);
        fired
    }

    fn readable_pair() -> (UnixStream, UnixStream) {
        let (mut peer, s) = UnixStream::pair().expect("socketpair");
        peer.write_all(b"x").expect("write");
        (peer, s)
    }

    #[test]
    fn b9_a_reported_fd_is_associated_again_at_the_next_poll() {
        let (_peer, s) = readable_pair();
        let fd = s.as_raw_fd();
        let mut p = Evport::new(1024).unwrap();
        p.add(fd, Mask::NONE, R).unwrap();
        // Never read: level-triggered, it fires at every poll.
        for _ in 0..3 {
            assert_eq!(poll_now(&mut p), vec![Fired::new(fd, R)]);
        }
        p.remove(fd, R, R);
        assert_eq!(poll_now(&mut p), vec![]);
    }

    #[test]
    fn b9_changes_between_two_polls_are_what_is_associated_again() {
        let (_peer, s) = readable_pair();
        let fd = s.as_raw_fd();
        let mut p = Evport::new(1024).unwrap();
        p.add(fd, Mask::NONE, R).unwrap();
        assert_eq!(poll_now(&mut p), vec![Fired::new(fd, R)]);
        // Reported, so dissociated: adding WRITABLE now waits for the poll.
        p.add(fd, R, W).unwrap();
        assert_eq!(poll_now(&mut p), vec![Fired::new(fd, R | W)]);
        // Removing one bit of a reported fd.
        p.remove(fd, R | W, R);
        assert_eq!(poll_now(&mut p), vec![Fired::new(fd, W)]);
        // Removing all of it: not associated again.
        p.remove(fd, W, W);
        assert_eq!(poll_now(&mut p), vec![]);
        assert_eq!(poll_now(&mut p), vec![]);
        // Added again after that: associated at once.
        p.add(fd, Mask::NONE, R).unwrap();
        assert_eq!(poll_now(&mut p), vec![Fired::new(fd, R)]);
    }

    #[test]
    fn b9_an_fd_deleted_and_registered_again_between_polls_fires_once() {
        let (_peer, s) = readable_pair();
        let fd = s.as_raw_fd();
        let mut p = Evport::new(1024).unwrap();
        p.add(fd, Mask::NONE, R).unwrap();
        assert_eq!(poll_now(&mut p), vec![Fired::new(fd, R)]);
        p.remove(fd, R, R);
        p.add(fd, Mask::NONE, R | W).unwrap();
        assert_eq!(poll_now(&mut p), vec![Fired::new(fd, R | W)]);
    }

    #[test]
    fn b9_r6_a_reported_fd_closed_before_the_next_poll_is_reported_until_deleted() {
        let (_peer, s) = readable_pair();
        // Far above what the other tests open, so nothing reuses the number.
        let arg = nix::fcntl::FcntlArg::F_DUPFD_CLOEXEC(900);
        let fd: RawFd = nix::fcntl::fcntl(s.as_fd(), arg).expect("dup");
        let mut p = Evport::new(1024).unwrap();
        p.add(fd, Mask::NONE, R).unwrap();
        assert_eq!(poll_now(&mut p), vec![Fired::new(fd, R)]);
        nix::unistd::close(fd).expect("close");
        // Its association fails with EBADF: reported, never fatal.
        assert_eq!(poll_now(&mut p), vec![Fired::new(fd, Mask::READ_WRITE)]);
        assert_eq!(poll_now(&mut p), vec![Fired::new(fd, Mask::READ_WRITE)]);
        p.remove(fd, R, R);
        assert_eq!(poll_now(&mut p), vec![]);
    }

    #[test]
    fn b9_forget_rebuild_and_the_port_fd() {
        let (_peer, s) = readable_pair();
        let fd = s.as_raw_fd();
        let mut p = Evport::new(1024).unwrap();
        p.add(fd, Mask::NONE, R).unwrap();
        assert_eq!(poll_now(&mut p), vec![Fired::new(fd, R)]);
        // Pending: forgetting drops it from the next association.
        assert!(!p.forget(fd));
        assert_eq!(poll_now(&mut p), vec![]);
        // A new port, holding exactly what it is given.
        p.rebuild(&mut [(fd, R)].into_iter()).unwrap();
        assert!(p.poll_fd().is_some());
        assert_eq!(poll_now(&mut p), vec![Fired::new(fd, R)]);
    }
}
