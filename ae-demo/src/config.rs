//! The settings: one table ([`SETTINGS`], like Redis's `standardConfig`)
//! that the command line (in redis-server's style, `--port 6380`),
//! `--help`, CONFIG GET and CONFIG SET all read.

use std::fmt::Write as _;
use std::net::IpAddr;

use ae::Backend;

use crate::log::Level;
use crate::resp::string2ll;

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

/// The server's settings. Each is described once, in [`SETTINGS`]: its
/// default, bounds and help there serve the command line, `--help`, CONFIG
/// GET and CONFIG SET.
#[derive(Clone, Debug)]
pub struct Config {
    /// TCP port; 0 picks a free one (the server then holds the one bound).
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
    /// Every setting at the default [`SETTINGS`] gives it.
    fn default() -> Self {
        // Each overwritten below by its setting's default.
        let mut config = Config {
            port: 0,
            bind: IpAddr::from([0, 0, 0, 0]),
            maxclients: 0,
            timeout: 0,
            hz: 0,
            backend: Backend::best(),
            loglevel: Level::Notice,
            client_query_buffer_limit: 0,
            client_output_buffer_limit: 0,
            tcp_backlog: 0,
            enable_debug_command: Protected::No,
            databases: 0,
        };
        for s in SETTINGS {
            if let Some(value) = s.default {
                if let Err(e) = s.parse_flag(&mut config, value) {
                    debug_assert!(false, "default of {}: {e}", s.name);
                }
            }
        }
        config
    }
}

/// Where a setting can be read and changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// The command line only (`--backend`).
    CommandLine,
    /// The command line, and CONFIG GET; CONFIG SET refuses it.
    Immutable,
    /// The command line, CONFIG GET and CONFIG SET.
    Mutable,
    /// CONFIG GET only: a value fixed in this server (no persistence).
    Reported,
}

/// What a setting's values are, its bounds, and where a checked value
/// goes (Redis's `standardConfig` types).
#[derive(Clone, Copy)]
pub enum Kind {
    /// An integer from `min` to `max` (Redis's bounds, which CONFIG SET
    /// checks); the command line takes only `flag_range` where that is
    /// narrower (a bound Redis keeps only as a ceiling: hz is clamped to
    /// 1-500 anyway, and no system opens a million fds per process).
    Int {
        /// Least value.
        min: i64,
        /// Greatest value.
        max: i64,
        /// The command line's range, when narrower.
        flag_range: Option<(i64, i64)>,
        /// Stores a checked value.
        set: fn(&mut Config, i64),
    },
    /// A size with Redis's units, at least `min`: CONFIG SET refuses less
    /// (as Redis), the command line raises it to `min`.
    Size {
        /// Least value.
        min: usize,
        /// Stores a checked value.
        set: fn(&mut Config, usize),
    },
    /// One of `words` (lower case); `set` gets its index.
    Choice {
        /// The values.
        words: &'static [&'static str],
        /// Stores the index of the word given.
        set: fn(&mut Config, usize),
    },
    /// An IP address.
    Addr(fn(&mut Config, IpAddr)),
    /// An event-loop backend this build can run.
    Backend(fn(&mut Config, Backend)),
    /// Output limits by client class, `normal <hard> <soft> <seconds>
    /// ...` (Redis's format); only the normal class's hard limit exists
    /// here, and the command line gives it alone, as a size.
    ClassLimits(fn(&mut Config, usize)),
    /// A value nothing sets.
    Fixed,
}

/// One setting: its name (the CONFIG name; on the command line
/// `--<name>`), what its values are, its default, its help, and where it
/// is read and changed.
pub struct Setting {
    /// The name.
    pub name: &'static str,
    /// Values, bounds, and where a value goes.
    pub kind: Kind,
    /// The default as the command line would give it (`None`: the help
    /// says).
    pub default: Option<&'static str>,
    /// What it does, for `--help`.
    pub help: &'static str,
    /// Where it is read and changed.
    pub access: Access,
    /// The value as CONFIG GET shows it.
    pub show: fn(&Config) -> String,
}

const LEVELS: [Level; 4] = [Level::Debug, Level::Verbose, Level::Notice, Level::Warning];
const PROTECTED: [Protected; 3] = [Protected::No, Protected::Yes, Protected::Local];

/// Every setting, in CONFIG GET's order.
pub static SETTINGS: &[Setting] = &[
    Setting {
        name: "port",
        kind: Kind::Int {
            min: 0,
            max: 65535,
            flag_range: None,
            set: |c, n| c.port = n as u16,
        },
        default: Some("6379"),
        help: "TCP port; 0 picks a free one",
        access: Access::Immutable,
        show: |c| c.port.to_string(),
    },
    Setting {
        name: "bind",
        kind: Kind::Addr(|c, a| c.bind = a),
        default: Some("127.0.0.1"),
        help: "address to listen on",
        access: Access::Immutable,
        show: |c| c.bind.to_string(),
    },
    Setting {
        name: "maxclients",
        kind: Kind::Int {
            min: 1,
            max: u32::MAX as i64,
            flag_range: Some((1, 1_000_000)),
            set: |c, n| c.maxclients = n as usize,
        },
        default: Some("10000"),
        help: "most clients at once",
        access: Access::Mutable,
        show: |c| c.maxclients.to_string(),
    },
    Setting {
        name: "timeout",
        kind: Kind::Int {
            min: 0,
            max: i32::MAX as i64,
            flag_range: None,
            set: |c, n| c.timeout = n as u64,
        },
        default: Some("0"),
        help: "close clients idle this many seconds; 0 never",
        access: Access::Mutable,
        show: |c| c.timeout.to_string(),
    },
    Setting {
        name: "hz",
        kind: Kind::Int {
            min: 0,
            max: i32::MAX as i64,
            flag_range: Some((1, 500)),
            // Out-of-range values are capped, as Redis's updateHZ does.
            set: |c, n| c.hz = n.clamp(1, 500) as u32,
        },
        default: Some("10"),
        help: "serverCron runs per second",
        access: Access::Mutable,
        show: |c| c.hz.to_string(),
    },
    Setting {
        name: "backend",
        kind: Kind::Backend(|c, b| c.backend = b),
        default: None,
        help: "event-loop backend (default: $AE_BACKEND, else {best})",
        access: Access::CommandLine,
        show: |c| c.backend.name().to_string(),
    },
    Setting {
        name: "loglevel",
        kind: Kind::Choice {
            words: &["debug", "verbose", "notice", "warning"],
            set: |c, i| c.loglevel = LEVELS[i],
        },
        default: Some("notice"),
        help: "log verbosity",
        access: Access::Mutable,
        show: |c| format!("{:?}", c.loglevel).to_ascii_lowercase(),
    },
    Setting {
        name: "client-query-buffer-limit",
        kind: Kind::Size {
            min: 1024 * 1024,
            set: |c, n| c.client_query_buffer_limit = n,
        },
        default: Some("1gb"),
        help: "close a client whose request in progress passes this size",
        access: Access::Mutable,
        show: |c| c.client_query_buffer_limit.to_string(),
    },
    Setting {
        name: "client-output-buffer-limit",
        kind: Kind::ClassLimits(|c, n| c.client_output_buffer_limit = n),
        default: Some("256mb"),
        help: "close a client whose unsent replies pass this size",
        access: Access::Mutable,
        show: |c| {
            format!(
                "normal {} 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
                c.client_output_buffer_limit
            )
        },
    },
    Setting {
        name: "tcp-backlog",
        kind: Kind::Int {
            min: 1,
            max: 65535,
            flag_range: None,
            set: |c, n| c.tcp_backlog = n as i32,
        },
        default: Some("511"),
        help: "listen backlog",
        access: Access::Immutable,
        show: |c| c.tcp_backlog.to_string(),
    },
    Setting {
        name: "databases",
        kind: Kind::Int {
            min: 1,
            max: 10_000,
            flag_range: None,
            set: |c, n| c.databases = n as usize,
        },
        default: Some("16"),
        help: "number of databases",
        access: Access::Immutable,
        show: |c| c.databases.to_string(),
    },
    Setting {
        name: "save",
        kind: Kind::Fixed,
        default: None,
        help: "no snapshots",
        access: Access::Reported,
        show: |_| String::new(),
    },
    Setting {
        name: "appendonly",
        kind: Kind::Fixed,
        default: None,
        help: "no append-only file",
        access: Access::Reported,
        show: |_| "no".into(),
    },
    Setting {
        name: "proto-max-bulk-len",
        kind: Kind::Fixed,
        default: None,
        help: "the longest bulk argument",
        access: Access::Reported,
        show: |_| crate::resp::MAX_BULK_LEN.to_string(),
    },
    Setting {
        name: "enable-debug-command",
        kind: Kind::Choice {
            words: &["no", "yes", "local"],
            set: |c, i| c.enable_debug_command = PROTECTED[i],
        },
        default: Some("no"),
        help: "who may run DEBUG",
        access: Access::Immutable,
        show: |c| format!("{:?}", c.enable_debug_command).to_ascii_lowercase(),
    },
];

/// CONFIG SET's errors, Redis's words.
const INTEGER_ERR: &str = "argument couldn't be parsed into an integer";
const MEMORY_ERR: &str = "argument must be a memory value";

impl Setting {
    /// The setting CONFIG GET and SET know by `name` (any case).
    pub fn find(name: &[u8]) -> Option<&'static Setting> {
        SETTINGS
            .iter()
            .find(|s| s.in_config() && s.name.as_bytes().eq_ignore_ascii_case(name))
    }

    /// Shown by CONFIG GET.
    pub fn in_config(&self) -> bool {
        self.access != Access::CommandLine
    }

    /// Changed by CONFIG SET.
    pub fn is_mutable(&self) -> bool {
        self.access == Access::Mutable
    }

    /// Taken on the command line.
    fn is_flag(&self) -> bool {
        self.access != Access::Reported
    }

    /// Sets the value from `--<name> <value>`; the error says why not.
    pub fn parse_flag(&self, config: &mut Config, v: &str) -> Result<(), String> {
        let flag = self.name;
        match self.kind {
            Kind::Int {
                min,
                max,
                flag_range,
                set,
            } => {
                let (lo, hi) = flag_range.unwrap_or((min, max));
                match v.parse::<i64>() {
                    Ok(n) if (lo..=hi).contains(&n) => set(config, n),
                    _ => {
                        return Err(format!(
                            "invalid value '{v}' for --{flag}: expected a number from {lo} to {hi}"
                        ))
                    }
                }
            }
            Kind::Size { min, set } => set(config, parse_size(v)?.max(min)),
            Kind::Choice { words, set } => match words.iter().position(|w| *w == v) {
                Some(i) => set(config, i),
                None => {
                    return Err(format!(
                        "--{flag}: invalid value '{v}' ({})",
                        words.join(", ")
                    ))
                }
            },
            Kind::Addr(set) => set(
                config,
                v.parse()
                    .map_err(|_| format!("invalid address '{v}' for --{flag}"))?,
            ),
            Kind::Backend(set) => set(
                config,
                Backend::parse_available(v).map_err(|e| format!("--{flag}: {e}"))?,
            ),
            Kind::ClassLimits(set) => set(config, parse_size(v)?),
            Kind::Fixed => return Err(format!("unknown option '--{flag}' (see --help)")),
        }
        Ok(())
    }

    /// Sets the value from CONFIG SET's argument; the error says why not,
    /// in Redis's words.
    pub fn parse_config(&self, config: &mut Config, v: &[u8]) -> Result<(), String> {
        match self.kind {
            Kind::Int { min, max, set, .. } => {
                let n = string2ll(v).ok_or(INTEGER_ERR)?;
                if n < min || n > max {
                    return Err(format!(
                        "argument must be between {min} and {max} inclusive"
                    ));
                }
                set(config, n);
            }
            Kind::Size { min, set } => {
                let n = std::str::from_utf8(v)
                    .ok()
                    .and_then(|s| parse_size(s).ok())
                    .ok_or(MEMORY_ERR)?;
                if n < min {
                    return Err(format!(
                        "argument must be between {min} and {} inclusive",
                        i64::MAX
                    ));
                }
                set(config, n);
            }
            Kind::Choice { words, set } => {
                let lower = v.to_ascii_lowercase();
                let i = words
                    .iter()
                    .position(|w| w.as_bytes() == lower.as_slice())
                    .ok_or_else(|| {
                        format!(
                            "argument(s) must be one of the following: {}",
                            words.join(", ")
                        )
                    })?;
                set(config, i);
            }
            Kind::ClassLimits(set) => {
                if let Some(hard) = normal_hard_limit(v)? {
                    set(config, if hard == 0 { usize::MAX } else { hard });
                }
            }
            Kind::Addr(_) | Kind::Backend(_) | Kind::Fixed => {
                return Err("can't set immutable config".into())
            }
        }
        Ok(())
    }

    /// The placeholder `--help` shows for the value.
    fn metavar(&self) -> String {
        match self.kind {
            Kind::Int {
                min,
                max,
                flag_range,
                ..
            } => {
                let (lo, hi) = flag_range.unwrap_or((min, max));
                format!("<{lo}-{hi}>")
            }
            Kind::Size { .. } | Kind::ClassLimits(_) => "<bytes>".into(),
            Kind::Choice { words, .. } => format!("<{}>", words.join("|")),
            Kind::Addr(_) => "<addr>".into(),
            Kind::Backend(_) => {
                let names: Vec<&str> = Backend::available()
                    .into_iter()
                    .map(Backend::name)
                    .collect();
                format!("<{}>", names.join("|"))
            }
            Kind::Fixed => String::new(),
        }
    }
}

/// The normal class's hard limit in a `<class> <hard> <soft> <seconds>
/// ...` list, if it names the normal class; the classes must be Redis's.
fn normal_hard_limit(v: &[u8]) -> Result<Option<usize>, String> {
    let text = String::from_utf8_lossy(v).to_ascii_lowercase();
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.is_empty() || words.len() % 4 != 0 {
        return Err("Wrong number of arguments in buffer limit configuration.".into());
    }
    let mut hard = None;
    for w in words.chunks(4) {
        if !matches!(w[0], "normal" | "slave" | "replica" | "pubsub") {
            return Err("Invalid client class specified in buffer limit configuration.".into());
        }
        let limit = parse_size(w[1]).map_err(|_| {
            "Error in hard, soft or soft_seconds setting in buffer limit configuration."
        })?;
        if w[0] == "normal" {
            hard = Some(limit);
        }
    }
    Ok(hard)
}

/// What the command line asks for.
pub enum Command {
    /// Run the server.
    Run(Config),
    /// Print the usage.
    Help,
}

/// The usage text, from [`SETTINGS`].
pub fn usage() -> String {
    let mut text =
        String::from("Usage: ae-demo [options]\nA Redis-protocol server on the ae event loop.\n\n");
    for s in SETTINGS.iter().filter(|s| s.is_flag()) {
        let flag = format!("--{} {}", s.name, s.metavar());
        let help = s.help.replace("{best}", Backend::best().name());
        let _ = match s.default {
            Some(d) => writeln!(text, "  {flag:<36} {help} (default {d})"),
            None => writeln!(text, "  {flag:<36} {help}"),
        };
    }
    let _ = writeln!(text, "  {:<36} this text", "--help");
    text.push_str("Sizes take Redis's units: 100, 10kb, 64mb, 1gb.");
    text
}

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
        let Some(name) = flag.strip_prefix("--") else {
            return Err(format!("unexpected argument '{arg}' (see --help)"));
        };
        let Some(setting) = SETTINGS.iter().find(|s| s.is_flag() && s.name == name) else {
            return Err(format!("unknown option '{flag}' (see --help)"));
        };
        let value = match inline.or_else(|| args.next()) {
            Some(v) => v,
            None => return Err(format!("{flag} needs a value (see --help)")),
        };
        setting.parse_flag(&mut config, &value)?;
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

    /// The table gives the defaults, the help, and both ways of setting a
    /// value, each with its own rules: the command line raises a small
    /// query limit, CONFIG SET refuses it; CONFIG SET caps hz, the command
    /// line refuses it.
    #[test]
    fn one_table_serves_defaults_help_flags_and_config() {
        let c = Config::default();
        assert_eq!(
            (
                c.port,
                c.maxclients,
                c.timeout,
                c.hz,
                c.tcp_backlog,
                c.databases
            ),
            (6379, 10_000, 0, 10, 511, 16)
        );
        assert_eq!(
            (c.client_query_buffer_limit, c.client_output_buffer_limit),
            (1 << 30, 256 << 20)
        );
        assert_eq!(c.bind, IpAddr::from([127, 0, 0, 1]));
        assert_eq!(
            (c.loglevel, c.enable_debug_command),
            (Level::Notice, Protected::No)
        );
        let help = usage();
        for s in SETTINGS.iter().filter(|s| s.is_flag()) {
            assert!(help.contains(&format!("--{} <", s.name)), "{}", s.name);
        }
        assert!(Setting::find(b"backend").is_none());
        let mut c = Config::default();
        let hz = Setting::find(b"HZ").unwrap();
        hz.parse_config(&mut c, b"1000").unwrap();
        assert_eq!(c.hz, 500);
        assert_eq!(
            hz.parse_config(&mut c, b"-1"),
            Err("argument must be between 0 and 2147483647 inclusive".into())
        );
        assert!(hz.parse_flag(&mut c, "1000").is_err());
        let query = Setting::find(b"client-query-buffer-limit").unwrap();
        assert!(query.parse_config(&mut c, b"1kb").is_err());
        query.parse_flag(&mut c, "1kb").unwrap();
        assert_eq!(c.client_query_buffer_limit, 1024 * 1024);
        let level = Setting::find(b"loglevel").unwrap();
        assert_eq!(
            level.parse_config(&mut c, b"nope"),
            Err("argument(s) must be one of the following: debug, verbose, notice, warning".into())
        );
        level.parse_config(&mut c, b"WARNING").unwrap();
        assert_eq!((level.show)(&c), "warning");
        let port = Setting::find(b"port").unwrap();
        assert!(!port.is_mutable());
    }
}
