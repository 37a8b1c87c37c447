//! The ping-pong runner, laid out like libevent's and libev's bench programs:
//! one line per iteration, `<setup_us> <run_us>`, and nothing else on stdout.
//!
//! `pingpong --backend epoll|select|poll|kqueue|evport|any|mio|raw-epoll -n 1000 -a 100 -w 1000 -i 25`

use std::process::ExitCode;

use ae_benches::{pingpong, Backend};

const USAGE: &str = "usage: pingpong --backend epoll|select|poll|kqueue|evport|any|mio|raw-epoll [-n pairs] [-a active] [-w writes] [-i iterations] | --list";

fn parse() -> Result<(Backend, usize, usize, usize, usize), String> {
    let (mut backend, mut n, mut a, mut w, mut iters) =
        (Backend::Ae(ae::Backend::best()), 100, 1, None, 25);
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--list" {
            // The backends this build can run, for scripts.
            let names: Vec<&str> = Backend::all()
                .into_iter()
                .filter(|b| b.available())
                .map(Backend::name)
                .collect();
            println!("{}", names.join(" "));
            std::process::exit(0);
        }
        let value = args
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        let number = || {
            value
                .parse::<usize>()
                .map_err(|_| format!("{flag}: '{value}' is not a number"))
        };
        match flag.as_str() {
            "--backend" => backend = value.parse()?,
            "-n" => n = number()?,
            "-a" => a = number()?,
            "-w" => w = Some(number()?),
            "-i" => iters = number()?,
            _ => return Err(format!("unknown option {flag}\n{USAGE}")),
        }
    }
    if n == 0 || a == 0 || a > n {
        return Err(format!("need 1 <= -a <= -n (got -n {n} -a {a})"));
    }
    Ok((backend, n, a, w.unwrap_or(n), iters))
}

fn main() -> ExitCode {
    let (backend, n, a, w, iters) = match parse() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let mut pp = match pingpong::new(backend, n) {
        Ok(pp) => pp,
        Err(e) => {
            eprintln!("pingpong: {backend}: {e}");
            return ExitCode::from(1);
        }
    };
    for _ in 0..iters {
        match pingpong::iteration(pp.as_mut(), a, w) {
            Ok((setup, run)) => println!(
                "{:.2} {:.2}",
                setup.as_secs_f64() * 1e6,
                run.as_secs_f64() * 1e6
            ),
            Err(e) => {
                eprintln!("pingpong: {backend}: {e}");
                return ExitCode::from(1);
            }
        }
    }
    ExitCode::SUCCESS
}
