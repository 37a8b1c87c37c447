//! `ae-demo`: a Redis-protocol server on the ae event loop, wired the way
//! Redis wires its own: `init_server`, `accept_handler`,
//! `read_query_from_client`, replies written before the loop sleeps, and
//! `server_cron`.
//!
//! To start: `cargo run --release -p ae-demo` in a checkout (it listens on
//! 127.0.0.1:6379), then any Redis client: `redis-cli ping`. Not published:
//! a demonstration of the loop, not a crate to depend on.
//!
//! Three layers, each importing only the ones below it:
//! - [`server`]: the loop wiring, the client table that carries out what
//!   commands ask for, the cron;
//! - [`conn`]: a connection's input (query buffer, parser, big-argument
//!   room), which the server and the fuzz target both read through;
//! - [`engine`]: the commands, the keyspace, sessions and statistics, with
//!   no sockets.
//!
//! Beneath them, shared by all: [`config`], [`resp`], [`bulk_pool`],
//! [`ldouble`], [`log`](mod@log), [`heap`] (the counting allocator behind
//! INFO memory), [`rdb`].
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod log;

pub mod bulk_pool;
pub mod config;
pub mod conn;
pub mod engine;
pub mod fuzzing;
pub mod heap;
pub mod ldouble;
pub mod rdb;
pub mod resp;
pub mod server;
