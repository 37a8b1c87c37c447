//! The `ae-demo` server binary.

use std::process::ExitCode;
use std::sync::Arc;

use ae_demo::config::{self, Backend, Command};
use ae_demo::server::{self, Signals};

fn main() -> ExitCode {
    let config = match config::parse_args(std::env::args().skip(1)) {
        Ok(Command::Run(config)) => config,
        Ok(Command::Help) => {
            println!("{}", config::USAGE);
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("ae-demo: {e}");
            return ExitCode::FAILURE;
        }
    };
    // The handlers only set a flag; serverCron acts on it.
    let signals = Signals::default();
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    for (signal, flag) in [
        (SIGINT, &signals.shutdown),
        (SIGTERM, &signals.shutdown),
        (SIGHUP, &signals.hangup),
    ] {
        if let Err(e) = signal_hook::flag::register(signal, Arc::clone(flag)) {
            eprintln!("ae-demo: cannot handle signal {signal}: {e}");
            return ExitCode::FAILURE;
        }
    }
    let result = match config.backend {
        Backend::Epoll => run_epoll(config, signals),
        Backend::Select => server::run::<ae_select::Select>(config, signals),
        Backend::Kqueue => run_kqueue(config, signals),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            ae_demo::log!(Warning, "Fatal: {e}");
            ExitCode::FAILURE
        }
    }
}

type RunResult = std::io::Result<()>;

#[cfg(target_os = "linux")]
fn run_epoll(config: config::Config, signals: Signals) -> RunResult {
    server::run::<ae_epoll::Epoll>(config, signals)
}

#[cfg(not(target_os = "linux"))]
fn run_epoll(_: config::Config, _: Signals) -> RunResult {
    Err(std::io::Error::other(
        "the epoll backend exists on Linux only",
    ))
}

fn run_kqueue(config: config::Config, signals: Signals) -> RunResult {
    // Where kqueue is not built in, creating the loop says so.
    server::run::<ae_kqueue::Kqueue>(config, signals)
}
