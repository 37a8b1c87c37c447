//! The `ae-demo` server binary.

use std::process::ExitCode;

use ae_demo::config::{self, ArgsError, Command};
use ae_demo::server::{self, Signals};

fn main() -> ExitCode {
    let config = match config::parse_args(std::env::args().skip(1)) {
        Ok(Command::Run(config)) => config,
        Ok(Command::Help) => {
            println!("{}", config::usage());
            return ExitCode::SUCCESS;
        }
        Ok(Command::Version) => {
            println!("{}", config::version());
            return ExitCode::SUCCESS;
        }
        Err(e @ ArgsError::Line { .. }) => {
            // Redis's report, on stderr as Redis writes it.
            eprint!("{e}");
            return ExitCode::FAILURE;
        }
        Err(e @ ArgsError::Open(_)) => {
            // A log line in Redis; on stderr too, to reach a terminal when
            // the log goes elsewhere.
            ae_demo::log!(Warning, "{e}");
            eprintln!("ae-demo: {e}");
            return ExitCode::FAILURE;
        }
        Err(e) => {
            eprintln!("ae-demo: {e}");
            return ExitCode::FAILURE;
        }
    };
    // SIGINT, SIGTERM and SIGHUP are signal events of the loop (init_server).
    let signals = Signals::default();
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
