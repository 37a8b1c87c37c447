//! The backends by name, for a choice made at run time.

use std::fmt;
use std::io;
use std::str::FromStr;

use ae_core::EventLoop;

use crate::AnyPoller;

/// A kernel interface the loop can run on; see [`AnyPoller`].
///
/// Its names (`evport`, `epoll`, `kqueue`, `select`, `poll`) are those of
/// [`FromStr`], [`Display`](fmt::Display), `AE_BACKEND` and
/// `EventLoop::name`.
///
/// ```
/// use ae::Backend;
///
/// let best = Backend::best();
/// assert!(Backend::available().contains(&best));
/// assert_eq!(best.to_string().parse::<Backend>()?, best);
/// assert_eq!("poll".parse::<Backend>()?, Backend::Poll);
/// assert!(Backend::Poll.is_available(), "poll runs on every unix");
/// assert!("devpoll".parse::<Backend>().is_err());
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Backend {
    /// illumos's and Solaris's event ports ([`ae_evport::Evport`]).
    Evport,
    /// Linux's epoll ([`ae_epoll::Epoll`]).
    Epoll,
    /// kqueue: macOS and the BSDs, Linux through libkqueue
    /// ([`ae_kqueue::Kqueue`]).
    Kqueue,
    /// select(2), everywhere, for fds below `FD_SETSIZE`
    /// ([`ae_select::Select`]).
    Select,
    /// poll(2), everywhere, for fds of any number ([`ae_poll::Poll`]).
    Poll,
}

impl Backend {
    /// The environment variable [`Backend::from_env`] reads: `AE_BACKEND`.
    pub const ENV: &'static str = "AE_BACKEND";

    /// Every backend, in Redis's order of preference (evport, epoll,
    /// kqueue, select), then poll, which Redis does not have: it is never
    /// the [best](Self::best), but a program can choose it where select's
    /// `FD_SETSIZE` is too small and nothing better runs. The one list of
    /// that order: [`best`](Self::best), [`Best`](crate::Best) and
    /// [`available`](Self::available) all read it.
    pub const ALL: [Backend; 5] = [
        Backend::Evport,
        Backend::Epoll,
        Backend::Kqueue,
        Backend::Select,
        Backend::Poll,
    ];

    /// The name used by [`FromStr`], [`Display`](fmt::Display) and
    /// `AE_BACKEND`, and returned by `EventLoop::name`.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Evport => "evport",
            Backend::Epoll => "epoll",
            Backend::Kqueue => "kqueue",
            Backend::Select => "select",
            Backend::Poll => "poll",
        }
    }

    /// The platform's best backend: the one [`Best`](crate::Best) is, the
    /// first of [`ALL`](Self::ALL) that this build can run, poll excepted.
    pub const fn best() -> Backend {
        let mut i = 0;
        while i < Backend::ALL.len() {
            let b = Backend::ALL[i];
            // Redis has no poll backend: ae.c's order ends with select.
            if !matches!(b, Backend::Poll) && b.is_available() {
                return b;
            }
            i += 1;
        }
        Backend::Select
    }

    /// Whether this build on this platform can run it: what the backend's
    /// crate says (its `AVAILABLE`, which that crate's cfgs, or ae-kqueue's
    /// build script, decide once).
    pub const fn is_available(self) -> bool {
        match self {
            Backend::Evport => ae_evport::AVAILABLE,
            Backend::Epoll => ae_epoll::AVAILABLE,
            Backend::Kqueue => ae_kqueue::AVAILABLE,
            Backend::Select => true,
            Backend::Poll => ae_poll::AVAILABLE,
        }
    }

    /// The backends this build on this platform can run, best first.
    pub fn available() -> Vec<Backend> {
        Backend::ALL
            .into_iter()
            .filter(|b| b.is_available())
            .collect()
    }

    /// The most fds the backend can watch, if it has a limit of its own:
    /// select's `FD_SETSIZE` (poll has none). A loop on it must have a set
    /// size no larger.
    pub fn max_set_size(self) -> Option<usize> {
        (self == Backend::Select).then_some(ae_select::FD_SETSIZE)
    }

    /// The backend `AE_BACKEND` names; the [best](Self::best) when it is
    /// unset or empty. An unknown name, or one this build cannot run, is an
    /// error of kind [`io::ErrorKind::InvalidInput`] that lists the choices.
    pub fn from_env() -> io::Result<Backend> {
        match std::env::var_os(Self::ENV) {
            None => Ok(Backend::best()),
            Some(v) if v.is_empty() => Ok(Backend::best()),
            Some(v) => match v.to_str() {
                Some(name) => Backend::parse_available(name)
                    .map_err(|e| invalid(format!("{}: {e}", Self::ENV))),
                None => Err(invalid(format!(
                    "{}: {v:?} is not a backend name; {}",
                    Self::ENV,
                    choices()
                ))),
            },
        }
    }

    /// Parses a backend name and checks that this build can run it: an
    /// unknown or unavailable name is an error of kind
    /// [`io::ErrorKind::InvalidInput`] that lists the choices.
    pub fn parse_available(name: &str) -> io::Result<Backend> {
        let backend: Backend = name.parse()?;
        if !backend.is_available() {
            let why = match backend {
                Backend::Evport => "it exists on illumos and Solaris only",
                Backend::Epoll => "it exists on Linux and Android only",
                Backend::Kqueue => {
                    "it is not built in (on Linux: build with --features libkqueue, see ae-kqueue)"
                }
                Backend::Select | Backend::Poll => {
                    unreachable!("select and poll are available everywhere")
                }
            };
            return Err(invalid(format!(
                "backend '{name}' cannot run here: {why}; {}",
                choices()
            )));
        }
        Ok(backend)
    }

    /// A loop for fds in `0..set_size` on this backend, through
    /// [`AnyPoller`].
    pub fn event_loop<S>(self, set_size: usize) -> io::Result<EventLoop<AnyPoller, S>> {
        EventLoop::with_poller(set_size, |n| AnyPoller::with_backend(self, n))
    }
}

/// The poller type of a [`Backend`], as a type: [`Best`](crate::Best) is
/// `<ByBackend<{ Backend::best() as u8 }> as PollerOf>::Poller`, so choosing
/// it at compile time needs no platform list of its own.
#[doc(hidden)]
pub struct ByBackend<const B: u8>;

/// See [`ByBackend`].
#[doc(hidden)]
pub trait PollerOf {
    /// The backend's [`Poller`](ae_core::Poller).
    type Poller;
}

impl PollerOf for ByBackend<{ Backend::Evport as u8 }> {
    type Poller = ae_evport::Evport;
}
impl PollerOf for ByBackend<{ Backend::Epoll as u8 }> {
    type Poller = ae_epoll::Epoll;
}
impl PollerOf for ByBackend<{ Backend::Kqueue as u8 }> {
    type Poller = ae_kqueue::Kqueue;
}
impl PollerOf for ByBackend<{ Backend::Select as u8 }> {
    type Poller = ae_select::Select;
}
impl PollerOf for ByBackend<{ Backend::Poll as u8 }> {
    type Poller = ae_poll::Poll;
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

/// "available: epoll, select", for error messages.
fn choices() -> String {
    let names: Vec<&str> = Backend::available()
        .into_iter()
        .map(Backend::name)
        .collect();
    format!("available: {}", names.join(", "))
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Backend {
    type Err = io::Error;

    /// Parses `evport`, `epoll`, `kqueue`, `select` or `poll` (whether or
    /// not this build can run it; see [`Backend::parse_available`]).
    /// Anything else is an error of kind [`io::ErrorKind::InvalidInput`]
    /// that lists the names.
    fn from_str(s: &str) -> io::Result<Backend> {
        Backend::ALL
            .into_iter()
            .find(|b| b.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Backend::ALL.into_iter().map(Backend::name).collect();
                invalid(format!(
                    "unknown backend '{s}': the backends are {}; {}",
                    names.join(", "),
                    choices()
                ))
            })
    }
}
