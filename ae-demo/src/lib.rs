//! `ae-demo`: a Redis-protocol server on the ae event loop, wired the way
//! Redis wires its own: `init_server`, `accept_handler`,
//! `read_query_from_client`, replies written before the loop sleeps, and
//! `server_cron`. Modules follow that flow.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod log;

pub mod bulk_pool;
pub mod commands;
pub mod config;
pub mod cron;
pub mod db;
pub mod fuzzing;
pub mod ldouble;
pub mod networking;
pub mod reply;
pub mod resp;
pub mod server;
