//! The `ae-demo` server binary.

use std::process::ExitCode;
use std::sync::Arc;

use ae_demo::config::{self, Command};
use ae_demo::server::{self, Signals};

fn main() -> ExitCode {
    let config = match config::parse_args(std::env::args().skip(1)) {
        Ok(Command::Run(config)) => config,
        Ok(Command::Help) => {
            println!("{}", config::usage());
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
    match server::run(config, signals) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // To stderr as well: a start-up failure must reach a terminal
            // even when the log goes elsewhere.
            ae_demo::log!(Warning, "Fatal: {e}");
            eprintln!("ae-demo: fatal: {e}");
            ExitCode::FAILURE
        }
    }
}
