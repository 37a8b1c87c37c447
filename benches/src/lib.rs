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

/// What a workload runs on: an ae backend (by type, as `EventLoop<Epoll, _>`
/// would name it), ae through [`ae::AnyPoller`], or a peer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// An ae backend as its own type: `ae::Epoll`, `ae::Kqueue`,
    /// `ae::Select`, `ae::Poll`, `ae::Evport`.
    Ae(ae::Backend),
    /// `ae::AnyPoller` on the backend `AE_BACKEND` names (the best when
    /// unset): the cost of choosing at run time.
    Any,
    /// mio, the Rust peer (edge-triggered epoll/kqueue).
    Mio,
    /// epoll driven directly: nothing but the syscalls.
    RawEpoll,
}

impl Backend {
    /// Every backend, in report order.
    pub fn all() -> Vec<Backend> {
        let mut all: Vec<Backend> = ae::Backend::ALL.into_iter().map(Backend::Ae).collect();
        all.extend([Backend::Any, Backend::Mio, Backend::RawEpoll]);
        all
    }

    /// The name used on command lines and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Ae(b) => b.name(),
            Backend::Any => "any",
            Backend::Mio => "mio",
            Backend::RawEpoll => "raw-epoll",
        }
    }

    /// Whether this build and platform have it.
    pub fn available(self) -> bool {
        match self {
            Backend::Ae(b) => b.is_available(),
            Backend::RawEpoll => ae::Backend::Epoll.is_available(),
            Backend::Any | Backend::Mio => true,
        }
    }

    /// Why `n` fds cannot be used, if they cannot: select holds only fds
    /// below `FD_SETSIZE`.
    pub fn refuses(self, max_fd: usize) -> Option<String> {
        let ae = match self {
            Backend::Ae(b) => b,
            Backend::Any => ae::Backend::from_env().ok()?,
            Backend::Mio | Backend::RawEpoll => return None,
        };
        let limit = ae.max_set_size()?;
        (max_fd >= limit)
            .then(|| format!("{ae}: the fds reach {max_fd}, beyond FD_SETSIZE = {limit}: not run"))
    }

    /// The available backends, less `any` (which measures one of the
    /// others again).
    pub fn available_all() -> Vec<Backend> {
        Backend::all()
            .into_iter()
            .filter(|b| b.available() && *b != Backend::Any)
            .collect()
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Backend {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let all = Backend::all();
        all.iter().copied().find(|b| b.name() == s).ok_or_else(|| {
            let names: Vec<&str> = all.iter().map(|b| b.name()).collect();
            format!("unknown backend '{s}' ({})", names.join(", "))
        })
    }
}

/// Calls `$body` with `$P` bound to the ae `Poller` type of `$backend`
/// (an ae backend, or `any`; a backend this build lacks fails to be
/// created, saying so).
#[macro_export]
macro_rules! with_ae_poller {
    ($backend:expr, $P:ident => $body:expr) => {{
        match $backend {
            $crate::Backend::Ae(ae::Backend::Epoll) => {
                type $P = ae::Epoll;
                Ok($body)
            }
            $crate::Backend::Ae(ae::Backend::Select) => {
                type $P = ae::Select;
                Ok($body)
            }
            $crate::Backend::Ae(ae::Backend::Poll) => {
                type $P = ae::Poll;
                Ok($body)
            }
            $crate::Backend::Ae(ae::Backend::Evport) => {
                type $P = ae::Evport;
                Ok($body)
            }
            $crate::Backend::Ae(ae::Backend::Kqueue) => {
                type $P = ae::Kqueue;
                Ok($body)
            }
            $crate::Backend::Any => {
                type $P = ae::AnyPoller;
                Ok($body)
            }
            other => Err(::std::io::Error::new(
                ::std::io::ErrorKind::Unsupported,
                format!("{other} is not an ae backend"),
            )),
        }
    }};
}

/// Raises the soft open-files limit to at least `need` (up to the hard
/// limit): 5000 socketpairs take 10 000 fds.
pub fn raise_fd_limit(need: u64) -> io::Result<()> {
    use nix::sys::resource::{getrlimit, rlim_t, setrlimit, Resource};
    // rlim_t is u64 on Linux and macOS, i64 on FreeBSD.
    let need = rlim_t::try_from(need).unwrap_or(rlim_t::MAX);
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
