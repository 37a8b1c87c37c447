//! The timer runner: `timers idle|churn|fire N [rounds]` prints one figure
//! per line and round, in nanoseconds: per loop iteration (idle), per timer
//! created and deleted (churn), CPU per timer fired (fire). It runs on the
//! platform's ae backend (epoll on Linux).

use std::process::ExitCode;
use std::time::Duration;

use ae_benches::timers;

use ae::Best;

const USAGE: &str = "usage: timers idle|churn|fire N [rounds (default 5)]";

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
    for _ in 0..rounds {
        let figure: std::io::Result<Duration> = match mode.as_str() {
            "idle" => timers::idle::<Best>(n, 1000),
            "churn" => timers::churn::<Best>(n),
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
