//! The timer runner: `timers idle|churn|churn-anchored|churn-spread|reschedule|fire N
//! [rounds]` prints one figure per line and round, in nanoseconds: per loop
//! iteration (idle), per timer created and deleted (churn: one loop for all
//! rounds, as libev's bench in `benches/libev/` keeps its timers; with
//! `churn-anchored`, an iteration between creating and deleting puts them in
//! the heap; `churn-spread`, the same with deadlines 1 µs apart), per
//! reschedule (reschedule), CPU per timer fired (fire). It
//! runs on the platform's ae backend (epoll on Linux).

use std::process::ExitCode;
use std::time::Duration;

use ae_benches::timers;

use ae::Best;

const USAGE: &str =
    "usage: timers idle|churn|churn-anchored|churn-spread|reschedule|fire N [rounds (default 5)]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(mode), Some(n)) = (
        args.first(),
        args.get(1).and_then(|n| n.parse::<usize>().ok()),
    ) else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let rounds = match args.get(2).map(|r| r.parse::<u32>()) {
        None => 5,
        Some(Ok(r)) if r > 0 => r,
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut churn = match timers::Churn::<Best>::new() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("timers: {e}");
            return ExitCode::from(1);
        }
    };
    for _ in 0..rounds {
        let figure: std::io::Result<Duration> = match mode.as_str() {
            "idle" => timers::idle::<Best>(n, 1000),
            "churn" => churn.round(n, false, false),
            "churn-anchored" => churn.round(n, true, false),
            "churn-spread" => churn.round(n, true, true),
            "reschedule" => churn.reschedule(n, 10),
            "fire" => timers::fire::<Best>(n),
            _ => {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
        };
        match figure {
            Ok(d) => println!("{}", d.as_nanos()),
            Err(e) => {
                eprintln!("timers: {e}");
                return ExitCode::from(1);
            }
        }
    }
    ExitCode::SUCCESS
}
