//! The event loop of Redis (`ae.c`) in Rust, with its backends: the crate a
//! server depends on.
//!
//! To start: depend on it as `ae = { package = "ae-loop", path = "../ae/ae" }`
//! (from a checkout at `../ae`: the package is `ae-loop`, the crate `ae`),
//! create an [`EventLoop`] on [`Best`], register file and time events, and
//! [`run`](EventLoop::run) it, as the example below does.
//!
//! It re-exports [`ae_core`] (the loop: [`EventLoop`], [`Mask`], [`Flags`],
//! timers, hooks, [`Waker`]) and chooses the backend, in one of two ways:
//!
//! - at compile time, [`Best`]: the platform's best backend, in Redis's order
//!   (event ports on illumos and Solaris; epoll on Linux and Android; kqueue
//!   on macOS, iOS and the BSDs; select elsewhere). No dispatch at all.
//! - at run time, [`AnyPoller`]: whichever [`Backend`] the environment
//!   variable `AE_BACKEND` names (`evport`, `epoll`, `kqueue`, `select` or
//!   `poll`; the best when unset), or one given explicitly with
//!   [`Backend::event_loop`].
//!
//! Handlers receive the loop and the caller's state as `&mut`, from the
//! [`EventLoop::run`] or [`EventLoop::process_events`] call that dispatches
//! them, so a server keeps its state in a plain struct:
//!
//! ```
//! use std::time::Duration;
//! use ae::{AnyPoller, Backend, Best, EventLoop, TimerAction};
//!
//! struct Server { ticks: u32 }
//!
//! fn tick(el: &mut EventLoop<impl ae::Poller, Server>, server: &mut Server) -> TimerAction {
//!     server.ticks += 1;
//!     if server.ticks == 3 {
//!         el.stop();
//!     }
//!     TimerAction::Repeat(Duration::from_millis(1))
//! }
//!
//! // Compile time: the platform's best backend.
//! let mut el: EventLoop<Best, Server> = EventLoop::new(1024)?;
//! el.create_time_event(Duration::from_millis(1), |el, s, _| tick(el, s));
//! el.run(&mut Server { ticks: 0 })?;
//!
//! // Run time: what AE_BACKEND names (unset: the best)...
//! let mut el: EventLoop<AnyPoller, Server> = EventLoop::new(1024)?;
//! el.create_time_event(Duration::from_millis(1), |el, s, _| tick(el, s));
//! el.run(&mut Server { ticks: 0 })?;
//!
//! // ...or a backend named in code: select exists on every platform.
//! let mut el: EventLoop<AnyPoller, Server> = Backend::Select.event_loop(1024)?;
//! assert_eq!(el.name(), "select");
//! el.create_time_event(Duration::from_millis(1), |el, s, _| tick(el, s));
//! let mut server = Server { ticks: 0 };
//! el.run(&mut server)?;
//! assert_eq!(server.ticks, 3);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! The loop's behaviour, case by case, is specified in the repository's
//! `docs/semantics.md`; every backend passes the one conformance suite built
//! from it.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod any;
mod backend;

pub use ae_core::*;
pub use ae_epoll::Epoll;
pub use ae_evport::Evport;
pub use ae_kqueue::Kqueue;
pub use ae_poll::Poll;
pub use ae_select::Select;
pub use any::AnyPoller;
pub use backend::Backend;

/// The README's examples, compiled and run as doc tests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

/// The platform's best backend, chosen at compile time: the poller type of
/// [`Backend::best()`], the first of Redis's order (event ports, epoll,
/// kqueue, select) that this build can run: [`Evport`] on illumos and
/// Solaris, [`Epoll`] on Linux and Android, [`Kqueue`] on macOS, iOS and the
/// BSDs, [`Select`] elsewhere. No dispatch.
///
/// ```
/// use ae::{Backend, Best, Poller};
///
/// assert_eq!(Best::new(64)?.name(), Backend::best().name());
/// # Ok::<(), std::io::Error>(())
/// ```
pub type Best = <backend::ByBackend<{ Backend::best() as u8 }> as backend::PollerOf>::Poller;
