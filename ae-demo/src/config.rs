//! The command line, in redis-server's style (`--port 6380`).

use std::net::IpAddr;
use std::str::FromStr;

use ae::Backend;

use crate::log::Level;

/// fds kept beyond max clients for the listener, the waker, logs and the
/// like (Redis's `CONFIG_FDSET_INCR`, 32 + 96).
pub const FDSET_RESERVE: usize = 128;

/// Who may run a protected command such as DEBUG (Redis's
/// `enable-debug-command`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protected {
    /// Nobody (the default, as in Redis 7).
    No,
    /// Every client.
    Yes,
    /// Clients connected over loopback.
    Local,
}

impl FromStr for Protected {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "no" => Ok(Protected::No),
            "yes" => Ok(Protected::Yes),
            "local" => Ok(Protected::Local),
            _ => Err(format!("invalid value '{s}' (no, yes, local)")),
        }
    }
}

/// The server's settings.
#[derive(Clone, Debug)]
pub struct Config {
    /// TCP port; 0 picks a free one (logged at start).
    pub port: u16,
    /// Address to listen on.
    pub bind: IpAddr,
    /// Most clients connected at once.
    pub maxclients: usize,
    /// Close clients idle this many seconds; 0 never.
    pub timeout: u64,
    /// serverCron runs per second (1–500).
    pub hz: u32,
    /// The event-loop backend.
    pub backend: Backend,
    /// Log verbosity.
    pub loglevel: Level,
    /// Close a client whose query buffer grows past this many bytes.
    pub client_query_buffer_limit: usize,
    /// Close a client whose unsent replies grow past this many bytes.
    pub client_output_buffer_limit: usize,
    /// listen(2) backlog.
    pub tcp_backlog: i32,
    /// Who may run DEBUG.
    pub enable_debug_command: Protected,
    /// Number of databases SELECT chooses from.
    pub databases: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            port: 6379,
            bind: IpAddr::from([127, 0, 0, 1]),
            maxclients: 10_000,
            timeout: 0,
            hz: 10,
            backend: Backend::best(),
            loglevel: Level::Notice,
            client_query_buffer_limit: 1 << 30,
            client_output_buffer_limit: 256 << 20,
            tcp_backlog: 511,
            enable_debug_command: Protected::No,
            databases: 16,
        }
    }
}

/// What the command line asks for.
pub enum Command {
    /// Run the server.
    Run(Config),
    /// Print the usage.
    Help,
}

/// The usage text.
pub fn usage() -> String {
    let names: Vec<&str> = Backend::available()
        .into_iter()
        .map(Backend::name)
        .collect();
    USAGE
        .replace("{backends}", &names.join("|"))
        .replace("{best}", Backend::best().name())
}

const USAGE: &str = "\
Usage: ae-demo [options]
A Redis-protocol server on the ae event loop.

  --port <port>                 TCP port (default 6379; 0 picks a free one)
  --bind <addr>                 address to listen on (default 127.0.0.1)
  --maxclients <n>              most clients at once (default 10000)
  --timeout <seconds>           close clients idle this long; 0 never (default 0)
  --hz <n>                      serverCron frequency, 1-500 (default 10)
  --backend <{backends}>  event-loop backend (default: $AE_BACKEND, else {best})
  --loglevel <debug|verbose|notice|warning>  (default notice)
  --client-query-buffer-limit <bytes>   (default 1gb)
  --client-output-buffer-limit <bytes>  (default 256mb)
  --tcp-backlog <n>             listen backlog (default 511)
  --enable-debug-command <no|yes|local>  allow DEBUG (default no)
  --databases <n>              number of databases, 1-10000 (default 16)
  --help                        this text
Sizes take Redis's units: 100, 10kb, 64mb, 1gb.";

/// A size with Redis's units (`memtoull`): b, k, kb, m, mb, g, gb.
pub fn parse_size(s: &str) -> Result<usize, String> {
    let lower = s.to_ascii_lowercase();
    let split = lower
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(lower.len());
    let (num, unit) = lower.split_at(split);
    let mul: usize = match unit {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1000 * 1000,
        "mb" => 1024 * 1024,
        "g" => 1000 * 1000 * 1000,
        "gb" => 1024 * 1024 * 1024,
        _ => return Err(format!("invalid size '{s}'")),
    };
    num.parse::<usize>()
        .ok()
        .and_then(|n| n.checked_mul(mul))
        .ok_or_else(|| format!("invalid size '{s}'"))
}

fn number<T>(flag: &str, value: &str, range: std::ops::RangeInclusive<T>) -> Result<T, String>
where
    T: FromStr + PartialOrd + std::fmt::Display,
{
    match value.parse::<T>() {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => Err(format!(
            "invalid value '{value}' for {flag}: expected a number from {} to {}",
            range.start(),
            range.end()
        )),
    }
}

/// Parses the arguments after the program name.
pub fn parse_args<I: IntoIterator<Item = String>>(args: I) -> Result<Command, String> {
    let mut config = Config {
        backend: Backend::from_env().map_err(|e| e.to_string())?,
        ..Config::default()
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == "--help" || arg == "-h" {
            return Ok(Command::Help);
        }
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        if !flag.starts_with("--") {
            return Err(format!("unexpected argument '{arg}' (see --help)"));
        }
        let value = match inline.or_else(|| args.next()) {
            Some(v) => v,
            None => return Err(format!("{flag} needs a value (see --help)")),
        };
        let v = value.as_str();
        match flag.as_str() {
            "--port" => config.port = number(&flag, v, 0..=65535)?,
            "--bind" => {
                config.bind = v
                    .parse()
                    .map_err(|_| format!("invalid address '{v}' for --bind"))?
            }
            "--maxclients" => config.maxclients = number(&flag, v, 1..=1_000_000)?,
            "--timeout" => config.timeout = number(&flag, v, 0..=(i32::MAX as u64))?,
            "--hz" => config.hz = number(&flag, v, 1..=500)?,
            "--backend" => {
                config.backend =
                    Backend::parse_available(v).map_err(|e| format!("--backend: {e}"))?
            }
            "--loglevel" => config.loglevel = v.parse()?,
            "--client-query-buffer-limit" => {
                config.client_query_buffer_limit = parse_size(v)?.max(1024 * 1024)
            }
            "--client-output-buffer-limit" => config.client_output_buffer_limit = parse_size(v)?,
            "--tcp-backlog" => config.tcp_backlog = number(&flag, v, 1..=65535)?,
            "--databases" => config.databases = number(&flag, v, 1..=10_000)?,
            "--enable-debug-command" => {
                config.enable_debug_command = v.parse().map_err(|e| format!("{flag}: {e}"))?
            }
            _ => return Err(format!("unknown option '{flag}' (see --help)")),
        }
    }
    Ok(Command::Run(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Config, String> {
        match parse_args(args.iter().map(|s| s.to_string()))? {
            Command::Run(c) => Ok(c),
            Command::Help => Err("help".into()),
        }
    }

    #[test]
    fn flags_and_errors() {
        let c = parse(&[
            "--port",
            "7000",
            "--hz=100",
            "--backend",
            "select",
            "--timeout",
            "5",
        ])
        .unwrap();
        assert_eq!(
            (c.port, c.hz, c.backend, c.timeout),
            (7000, 100, Backend::Select, 5)
        );
        assert_eq!(
            parse(&["--client-query-buffer-limit", "2gb"])
                .unwrap()
                .client_query_buffer_limit,
            2 << 30
        );
        for bad in [
            &["--hz", "0"][..],
            &["--hz", "501"],
            &["--port", "70000"],
            &["--backend", "iocp"],
            &["--maxclients"],
            &["--nope", "1"],
            &["stray"],
            &["--bind", "localhost:1"],
            &["--client-query-buffer-limit", "1tb"],
            &["--databases", "0"],
            &["--databases", "10001"],
            &["--enable-debug-command", "maybe"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
        assert!(matches!(
            parse_args(["--help".to_string()]),
            Ok(Command::Help)
        ));
    }
}
