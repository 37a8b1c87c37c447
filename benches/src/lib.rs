//! Workloads that compare ae's backends with each other, with mio and with a
//! raw epoll loop: ping-pong over socketpairs (the libevent/libev benchmark),
//! timers, registration churn and wake-up latency. The criterion benches
//! (`cargo bench -p ae-benches`) and the runners (`--bin pingpong`,
//! `--bin timers`) share this code.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod churn;
pub mod pingpong;
pub mod timers;
pub mod wakeup;

use std::fmt;
use std::io;
use std::str::FromStr;

/// What a workload runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// `ae_epoll::Epoll`.
    Epoll,
    /// `ae_select::Select` (fds below FD_SETSIZE only).
    Select,
    /// `ae_kqueue::Kqueue` (the BSDs and macOS; Linux with `--features libkqueue`).
    Kqueue,
    /// mio, the Rust peer (edge-triggered epoll/kqueue).
    Mio,
    /// epoll driven directly: nothing but the syscalls.
    RawEpoll,
}

impl Backend {
    /// Every backend, in report order.
    pub const ALL: [Backend; 5] = [
        Backend::Epoll,
        Backend::Select,
        Backend::Kqueue,
        Backend::Mio,
        Backend::RawEpoll,
    ];

    /// The name used on command lines and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Epoll => "epoll",
            Backend::Select => "select",
            Backend::Kqueue => "kqueue",
            Backend::Mio => "mio",
            Backend::RawEpoll => "raw-epoll",
        }
    }

    /// Whether this build and platform have it.
    pub fn available(self) -> bool {
        match self {
            Backend::Epoll | Backend::RawEpoll => cfg!(target_os = "linux"),
            Backend::Kqueue => KQUEUE,
            Backend::Select | Backend::Mio => true,
        }
    }

    /// Why `n` fds cannot be used, if they cannot: select holds only fds
    /// below `FD_SETSIZE`.
    pub fn refuses(self, max_fd: usize) -> Option<String> {
        (self == Backend::Select && max_fd >= ae_select::FD_SETSIZE).then(|| {
            format!(
                "select: the fds reach {max_fd}, beyond FD_SETSIZE = {}: not run",
                ae_select::FD_SETSIZE
            )
        })
    }

    /// The available backends.
    pub fn available_all() -> Vec<Backend> {
        Backend::ALL.into_iter().filter(|b| b.available()).collect()
    }
}

/// Whether the kqueue backend is compiled in.
pub const KQUEUE: bool = ae_kqueue::AVAILABLE;

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Backend {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Backend::ALL
            .into_iter()
            .find(|b| b.name() == s)
            .ok_or_else(|| format!("unknown backend '{s}' (epoll, select, kqueue, mio, raw-epoll)"))
    }
}

/// Calls `$body` with `$P` bound to the ae `Poller` type of `$backend`
/// (an ae backend: epoll, select or kqueue; a kqueue loop fails to be
/// created where this build has none).
#[macro_export]
macro_rules! with_ae_poller {
    ($backend:expr, $P:ident => $body:expr) => {{
        match $backend {
            #[cfg(target_os = "linux")]
            $crate::Backend::Epoll => {
                type $P = ae_epoll::Epoll;
                Ok($body)
            }
            $crate::Backend::Select => {
                type $P = ae_select::Select;
                Ok($body)
            }
            $crate::Backend::Kqueue => {
                type $P = ae_kqueue::Kqueue;
                Ok($body)
            }
            other => Err(::std::io::Error::new(
                ::std::io::ErrorKind::Unsupported,
                format!("{other} is not an ae backend of this build"),
            )),
        }
    }};
}

/// Raises the soft open-files limit to at least `need` (up to the hard
/// limit): 5000 socketpairs take 10 000 fds.
pub fn raise_fd_limit(need: u64) -> io::Result<()> {
    use nix::sys::resource::{getrlimit, setrlimit, Resource};
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE)?;
    if soft < need {
        if hard < need {
            return Err(io::Error::other(format!(
                "{need} fds needed, but the hard limit is {hard}"
            )));
        }
        setrlimit(Resource::RLIMIT_NOFILE, need, hard)?;
    }
    Ok(())
}

/// The median of some durations, in microseconds.
pub fn median_us(samples: &mut [f64]) -> f64 {
    samples.sort_by(f64::total_cmp);
    let mid = samples.len() / 2;
    if samples.len() % 2 == 0 {
        (samples[mid - 1] + samples[mid]) / 2.0
    } else {
        samples[mid]
    }
}
