//! The settings: one table ([`SETTINGS`], like Redis's `standardConfig`)
//! that the config file, the command line (in redis-server's style,
//! `--port 6380`), `--help`, CONFIG GET and CONFIG SET all read.
//!
//! As redis-server does (`main`, `loadServerConfig`), the command line
//! `[file] [--name value ...] [-]` becomes config text: the file, then
//! standard input when `-` is given, then each `--name value...` as a line
//! `name "value"...`; one loader reads it all, so options override the file
//! and an error anywhere is reported as Redis reports a bad config line.

use std::fmt::Write as _;
use std::net::IpAddr;
use std::path::PathBuf;

use ae::Backend;

use crate::log::Level;
use crate::resp::{split_args, string2ll};

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
    /// Commands that run at least this many µs go to the SLOWLOG; -1 none.
    pub slowlog_log_slower_than: i64,
    /// Most SLOWLOG entries kept.
    pub slowlog_max_len: u64,
    /// Commands that run at least this many ms are LATENCY events; 0 off.
    pub latency_monitor_threshold: i64,
    /// Record each command's latencies (LATENCY HISTOGRAM, INFO
    /// latencystats).
    pub latency_tracking: bool,
    /// The percentiles INFO latencystats shows.
    pub latency_tracking_info_percentiles: Vec<f64>,
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
    /// Snapshot schedules, `(seconds, changes)` pairs, as `save` gives
    /// them: the cron starts a BGSAVE when, for one of them, that many
    /// changes were made and that many seconds passed since the last save.
    pub save: Vec<(u64, u64)>,
    /// The directory the snapshot is written to and read from (absolute:
    /// Redis changes into it, this server joins it to the file name).
    pub dir: PathBuf,
    /// The snapshot's file name in `dir`.
    pub dbfilename: String,
    /// LZF-compress the snapshot's long strings (`rdbcompression`).
    pub rdbcompression: bool,
    /// Microseconds a save waits after each key it writes
    /// (`rdb-key-save-delay`, which tests use to make a save slow).
    pub rdb_key_save_delay: i64,
}

impl Config {
    /// Where SAVE and BGSAVE write and start-up reads the snapshot.
    pub fn rdb_path(&self) -> PathBuf {
        self.dir.join(&self.dbfilename)
    }
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
            slowlog_log_slower_than: 0,
            slowlog_max_len: 0,
            latency_monitor_threshold: 0,
            latency_tracking: false,
            latency_tracking_info_percentiles: Vec::new(),
            hz: 0,
            backend: Backend::best(),
            loglevel: Level::Notice,
            client_query_buffer_limit: 0,
            client_output_buffer_limit: 0,
            tcp_backlog: 0,
            enable_debug_command: Protected::No,
            databases: 0,
            save: Vec::new(),
            dir: PathBuf::new(),
            dbfilename: String::new(),
            rdbcompression: false,
            rdb_key_save_delay: 0,
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
    /// The command line, and CONFIG GET; CONFIG SET refuses it as Redis
    /// refuses its `PROTECTED_CONFIG`s (`enable-protected-configs no`).
    Protected,
    /// The command line, CONFIG GET and CONFIG SET.
    Mutable,
    /// As `Mutable`, but CONFIG GET shows it only when asked by its name:
    /// no pattern matches it (Redis's `HIDDEN_CONFIG`, settings for tests).
    Hidden,
    /// CONFIG GET only: a value fixed in this server (a directive setting
    /// it is refused, saying so).
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
    /// `yes` or `no`, any case (Redis's bool configs).
    Bool(fn(&mut Config, bool)),
    /// Percentiles, 0 to 100, given as several arguments (`""` for none).
    Percentiles(fn(&mut Config, Vec<f64>)),
    /// An IP address.
    Addr(fn(&mut Config, IpAddr)),
    /// An event-loop backend this build can run.
    Backend(fn(&mut Config, Backend)),
    /// Output limits by client class, `normal <hard> <soft> <seconds>
    /// ...` (Redis's format); only the normal class's hard limit exists
    /// here, and the command line may also give it alone, as a size.
    ClassLimits(fn(&mut Config, usize)),
    /// Snapshot schedules (`save`): `""` for none, or `<seconds>
    /// <changes>` pairs; kept in [`Config::save`].
    Save,
    /// A yes/no setting this server has only as `no` (`appendonly`,
    /// `daemonize`): `yes` is refused with `why`.
    Off {
        /// Why `yes` cannot be had.
        why: &'static str,
    },
    /// A string setting this server has only empty (`logfile`): anything
    /// else is refused with `why`.
    Empty {
        /// Why a value cannot be had.
        why: &'static str,
    },
    /// An existing directory, kept absolute (`dir`).
    Dir(fn(&mut Config, PathBuf)),
    /// A file name with no directory part (`dbfilename`).
    FileName(fn(&mut Config, String)),
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
        name: "slowlog-log-slower-than",
        kind: Kind::Int {
            min: -1,
            max: i64::MAX,
            flag_range: None,
            set: |c, n| c.slowlog_log_slower_than = n,
        },
        default: Some("10000"),
        help: "SLOWLOG commands that run this many microseconds; -1 none",
        access: Access::Mutable,
        show: |c| c.slowlog_log_slower_than.to_string(),
    },
    Setting {
        name: "slowlog-max-len",
        kind: Kind::Int {
            min: 0,
            max: i64::MAX,
            flag_range: None,
            set: |c, n| c.slowlog_max_len = n as u64,
        },
        default: Some("128"),
        help: "most SLOWLOG entries kept",
        access: Access::Mutable,
        show: |c| c.slowlog_max_len.to_string(),
    },
    Setting {
        name: "latency-monitor-threshold",
        kind: Kind::Int {
            min: 0,
            max: i64::MAX,
            flag_range: None,
            set: |c, n| c.latency_monitor_threshold = n,
        },
        default: Some("0"),
        help: "LATENCY events for commands that run this many milliseconds; 0 off",
        access: Access::Mutable,
        show: |c| c.latency_monitor_threshold.to_string(),
    },
    Setting {
        name: "latency-tracking",
        kind: Kind::Bool(|c, on| c.latency_tracking = on),
        default: Some("yes"),
        help: "record each command's latencies for LATENCY HISTOGRAM and INFO latencystats",
        access: Access::Mutable,
        show: |c| yes_no(c.latency_tracking),
    },
    Setting {
        name: "latency-tracking-info-percentiles",
        kind: Kind::Percentiles(|c, ps| c.latency_tracking_info_percentiles = ps),
        default: Some("50 99 99.9"),
        help: "the percentiles INFO latencystats shows",
        access: Access::Mutable,
        show: |c| {
            let shown: Vec<String> = c
                .latency_tracking_info_percentiles
                .iter()
                .map(|&p| percentile_name(p))
                .collect();
            shown.join(" ")
        },
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
        kind: Kind::Save,
        default: Some("3600 1 300 100 60 10000"),
        help: "snapshot schedules, \"<seconds> <changes> ...\": BGSAVE after that many changes in that many seconds; \"\" for none",
        access: Access::Mutable,
        show: |c| {
            let pairs: Vec<String> = c.save.iter().map(|(s, n)| format!("{s} {n}")).collect();
            pairs.join(" ")
        },
    },
    Setting {
        name: "dir",
        kind: Kind::Dir(|c, d| c.dir = d),
        default: Some("."),
        help: "directory of the snapshot file",
        access: Access::Protected,
        show: |c| c.dir.display().to_string(),
    },
    Setting {
        name: "dbfilename",
        kind: Kind::FileName(|c, f| c.dbfilename = f),
        default: Some("dump.rdb"),
        help: "snapshot file name",
        access: Access::Protected,
        show: |c| c.dbfilename.clone(),
    },
    Setting {
        name: "rdbcompression",
        kind: Kind::Bool(|c, on| c.rdbcompression = on),
        default: Some("yes"),
        help: "LZF-compress the snapshot's strings over 20 bytes",
        access: Access::Mutable,
        show: |c| yes_no(c.rdbcompression),
    },
    Setting {
        name: "rdb-key-save-delay",
        kind: Kind::Int {
            min: i32::MIN as i64,
            max: i32::MAX as i64,
            flag_range: None,
            set: |c, n| c.rdb_key_save_delay = n,
        },
        default: Some("0"),
        help: "microseconds a save waits after each key (to make it slow in tests); -N: 1 for one key in N",
        access: Access::Hidden,
        show: |c| c.rdb_key_save_delay.to_string(),
    },
    Setting {
        name: "appendonly",
        kind: Kind::Off {
            why: "appendonly yes is not supported: ae-demo has no append-only file",
        },
        default: None,
        help: "append-only file: no (the only value)",
        access: Access::Mutable,
        show: |_| "no".into(),
    },
    Setting {
        name: "daemonize",
        kind: Kind::Off {
            why: "daemonize yes is not supported: ae-demo runs in the foreground",
        },
        default: None,
        help: "run in the background: no (the only value)",
        access: Access::Immutable,
        show: |_| "no".into(),
    },
    Setting {
        name: "protected-mode",
        kind: Kind::Off {
            why: "protected-mode yes is not supported: ae-demo refuses no client; \
                  to keep others out, bind a loopback address (the default)",
        },
        default: None,
        help: "refuse non-loopback clients: no (the only value)",
        access: Access::Mutable,
        show: |_| "no".into(),
    },
    Setting {
        name: "logfile",
        kind: Kind::Empty {
            why: "a log file is not supported: ae-demo logs to standard output (logfile \"\")",
        },
        default: None,
        help: "log file: \"\" (standard output, the only value)",
        access: Access::Immutable,
        show: |_| String::new(),
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
        matches!(self.access, Access::Mutable | Access::Hidden)
    }

    /// Matched by CONFIG GET's patterns (a hidden setting only by its
    /// name).
    pub fn in_patterns(&self) -> bool {
        self.in_config() && self.access != Access::Hidden
    }

    /// Why CONFIG SET refuses it, in Redis's words; `None` if it may.
    pub fn set_refusal(&self) -> Option<&'static str> {
        match self.access {
            Access::Mutable | Access::Hidden => None,
            Access::Protected => Some("can't set protected config"),
            _ => Some("can't set immutable config"),
        }
    }

    /// Taken on the command line.
    fn is_flag(&self) -> bool {
        self.access != Access::Reported
    }

    /// Sets the value from a one-argument directive (`<name> <value>`
    /// in the config file, `--<name> <value>` on the command line); the
    /// error says why not, in Redis's words where Redis has the setting.
    pub fn parse_flag(&self, config: &mut Config, v: &str) -> Result<(), String> {
        match self.kind {
            Kind::Int {
                min,
                max,
                flag_range,
                set,
            } => {
                let (lo, hi) = flag_range.unwrap_or((min, max));
                let n = string2ll(v.as_bytes()).ok_or(INTEGER_ERR)?;
                if !(lo..=hi).contains(&n) {
                    return Err(format!("argument must be between {lo} and {hi} inclusive"));
                }
                set(config, n);
            }
            Kind::Size { min, set } => set(config, parse_size(v).map_err(|_| MEMORY_ERR)?.max(min)),
            Kind::Choice { words, set } => {
                let i = words
                    .iter()
                    .position(|w| w.eq_ignore_ascii_case(v))
                    .ok_or_else(|| choice_err(words))?;
                set(config, i);
            }
            Kind::Bool(set) => set(config, yes_no_value(v.as_bytes())?),
            Kind::Percentiles(_) => self.apply(config, &[v.as_bytes().to_vec()], false)?,
            Kind::Addr(set) => set(
                config,
                v.parse()
                    .map_err(|_| format!("invalid address '{v}' (one IP address)"))?,
            ),
            Kind::Backend(set) => set(
                config,
                Backend::parse_available(v).map_err(|e| e.to_string())?,
            ),
            Kind::ClassLimits(set) => set(config, parse_size(v).map_err(|_| MEMORY_ERR)?),
            Kind::Save => self.apply(config, &[v.as_bytes().to_vec()], true)?,
            Kind::Off { why } => check_off(v.as_bytes(), why)?,
            Kind::Empty { why } => {
                if !v.is_empty() {
                    return Err(why.into());
                }
            }
            Kind::Dir(set) => {
                // Redis chdir()s and reports strerror: the same check.
                let dir = std::fs::canonicalize(v).map_err(|e| os_error_text(&e))?;
                if !dir.is_dir() {
                    return Err("Not a directory".into());
                }
                set(config, dir);
            }
            Kind::FileName(set) => {
                // Redis's pathIsBaseName: no '/' (nor '\\').
                if v.contains(['/', '\\']) {
                    return Err("dbfilename can't be a path, just a filename".into());
                }
                set(config, v.to_owned());
            }
            Kind::Fixed => {
                return Err(format!(
                    "{} is fixed in ae-demo at {}",
                    self.name,
                    (self.show)(config)
                ))
            }
        }
        Ok(())
    }

    /// Takes several arguments (Redis's `MULTI_ARG_CONFIG`).
    fn is_multi_arg(&self) -> bool {
        matches!(
            self.kind,
            Kind::Save | Kind::ClassLimits(_) | Kind::Percentiles(_)
        )
    }

    /// Applies a directive's arguments (those after its name), as
    /// `loadServerConfigFromString` does: one argument unless the setting
    /// takes several; a multi-argument setting given one non-empty
    /// argument has it split (`--save "900 1"`). `first_save` is true for
    /// the first `save` of the text, which replaces the schedules before it
    /// adds its own; later ones add to them.
    fn apply(&self, config: &mut Config, args: &[Vec<u8>], first_save: bool) -> Result<(), String> {
        if !self.is_multi_arg() {
            let [arg] = args else {
                return Err("wrong number of arguments".into());
            };
            return self.parse_flag(config, &String::from_utf8_lossy(arg));
        }
        let split;
        let args = match args {
            [one] if !one.is_empty() => {
                split = split_args(one).ok_or("Unbalanced quotes in configuration line")?;
                &split[..]
            }
            _ => args,
        };
        let args: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
        match self.kind {
            Kind::Save => {
                let schedules = parse_save(&args)?;
                if first_save || schedules.is_none() {
                    config.save.clear();
                }
                config.save.extend(schedules.unwrap_or_default());
            }
            Kind::ClassLimits(set) => match args[..] {
                [size] => set(
                    config,
                    std::str::from_utf8(size)
                        .ok()
                        .and_then(|s| parse_size(s).ok())
                        .ok_or(MEMORY_ERR)?,
                ),
                _ => {
                    if let Some(hard) = normal_hard_limit(&args.join(&b' '))? {
                        set(config, if hard == 0 { usize::MAX } else { hard });
                    }
                }
            },
            Kind::Percentiles(set) => set(config, parse_percentiles(&args)?),
            _ => return Err("wrong number of arguments".into()),
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
                    .ok_or_else(|| choice_err(words))?;
                set(config, i);
            }
            Kind::ClassLimits(set) => {
                if let Some(hard) = normal_hard_limit(v)? {
                    set(config, if hard == 0 { usize::MAX } else { hard });
                }
            }
            Kind::Save => config.save = parse_save(&set_args(v))?.unwrap_or_default(),
            Kind::Off { why } => check_off(v, why)?,
            Kind::Bool(set) => set(config, yes_no_value(v)?),
            Kind::Percentiles(set) => set(config, parse_percentiles(&set_args(v))?),
            Kind::Addr(_)
            | Kind::Backend(_)
            | Kind::Empty { .. }
            | Kind::Dir(_)
            | Kind::FileName(_)
            | Kind::Fixed => return Err("can't set immutable config".into()),
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
            Kind::Bool(_) => "<yes|no>".into(),
            Kind::Percentiles(_) => "<\"\"|percentile ...>".into(),
            Kind::Addr(_) => "<addr>".into(),
            Kind::Backend(_) => {
                let names: Vec<&str> = Backend::available()
                    .into_iter()
                    .map(Backend::name)
                    .collect();
                format!("<{}>", names.join("|"))
            }
            Kind::Save => "<\"\"|seconds changes ...>".into(),
            Kind::Off { .. } => "<no>".into(),
            Kind::Empty { .. } => "<\"\">".into(),
            Kind::Dir(_) => "<directory>".into(),
            Kind::FileName(_) => "<file>".into(),
            Kind::Fixed => String::new(),
        }
    }
}

/// A multi-argument setting's arguments from CONFIG SET's one value, split
/// at each space (`performInterfaceSet`); `""` is none (no schedule, no
/// percentile).
fn set_args(v: &[u8]) -> Vec<&[u8]> {
    if v.is_empty() {
        Vec::new()
    } else {
        v.split(|&b| b == b' ').collect()
    }
}

/// A bool config's value as CONFIG GET shows it.
fn yes_no(on: bool) -> String {
    (if on { "yes" } else { "no" }).into()
}

/// A bool config's argument (`yesnotoi`: either word, any case).
fn yes_no_value(v: &[u8]) -> Result<bool, String> {
    if v.eq_ignore_ascii_case(b"yes") {
        Ok(true)
    } else if v.eq_ignore_ascii_case(b"no") {
        Ok(false)
    } else {
        Err("argument must be 'yes' or 'no'".into())
    }
}

/// A percentile as Redis prints it in CONFIG GET and INFO latencystats:
/// `%f` with the zeros after the point trimmed (`trimDoubleString`).
pub fn percentile_name(p: f64) -> String {
    let text = format!("{p:.6}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// `latency-tracking-info-percentiles`' arguments, each a double from 0
/// to 100 (`setConfigLatencyTrackingInfoPercentilesOutputOption`); none,
/// or a lone `""`, is no percentile.
fn parse_percentiles(args: &[&[u8]]) -> Result<Vec<f64>, String> {
    let args = if args == [b""] { &[][..] } else { args };
    args.iter()
        .map(|arg| {
            let p = crate::engine::commands::string2d(arg)
                .ok_or("Invalid latency-tracking-info-percentiles parameters")?;
            if !(0.0..=100.0).contains(&p) {
                return Err(
                    "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"
                        .into(),
                );
            }
            Ok(p)
        })
        .collect()
}

/// Redis's error for a word not among an enum's.
fn choice_err(words: &[&str]) -> String {
    format!(
        "argument(s) must be one of the following: {}",
        words.join(", ")
    )
}

/// Checks a yes/no value this server has only as `no`.
fn check_off(v: &[u8], why: &str) -> Result<(), String> {
    match yes_no_value(v)? {
        true => Err(why.into()),
        false => Ok(()),
    }
}

/// `save`'s arguments as `setConfigSaveOption` checks them: a lone `""`
/// is "no schedule" (`None`), else pairs of seconds (at least 1) and
/// changes (at least 0).
fn parse_save(args: &[&[u8]]) -> Result<Option<Vec<(u64, u64)>>, String> {
    if let [b""] = args {
        return Ok(None);
    }
    const INVALID: &str = "Invalid save parameters";
    if args.len() % 2 == 1 {
        return Err(INVALID.into());
    }
    let mut pairs = Vec::with_capacity(args.len() / 2);
    for pair in args.chunks(2) {
        let number = |arg: &[u8], least: i64| {
            std::str::from_utf8(arg)
                .ok()
                .and_then(|s| s.trim_start().parse::<i64>().ok())
                .filter(|&n| n >= least && n <= i64::from(i32::MAX))
                .map(|n| n as u64)
                .ok_or(INVALID)
        };
        pairs.push((number(pair[0], 1)?, number(pair[1], 0)?));
    }
    Ok(Some(pairs))
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
    /// Print the version line ([`version`]).
    Version,
}

/// Why the server cannot start with the settings given.
#[derive(Debug, PartialEq, Eq)]
pub enum ArgsError {
    /// A line of the config text (the file's, or one the command line
    /// became) that cannot be applied; shown as Redis shows it, with
    /// [`Display`](std::fmt::Display).
    Line {
        /// Its number in the text, from 1.
        number: usize,
        /// The line, trimmed.
        text: String,
        /// Why, in Redis's words where Redis has them.
        why: String,
    },
    /// The config file cannot be read; Redis logs this (a warning), as
    /// `Fatal error, can't open config file '<path>': <why>`.
    Open(String),
    /// Anything else (`$AE_BACKEND` names no backend).
    Other(String),
}

impl std::fmt::Display for ArgsError {
    /// The `Line` text is `loadServerConfigFromString`'s report with this
    /// server's name and version where Redis gives its own.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ArgsError::Line { number, text, why } => write!(
                f,
                "\n*** FATAL CONFIG FILE ERROR (ae-demo {}) ***\n\
                 Reading the configuration file, at line {number}\n\
                 >>> '{text}'\n{why}\n",
                env!("CARGO_PKG_VERSION")
            ),
            ArgsError::Open(msg) | ArgsError::Other(msg) => f.write_str(msg),
        }
    }
}

/// The line `--version` prints, in redis-server's format (`Redis server
/// v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=...`) so
/// that tools that read its fields can, but naming this server and its own
/// version, not Redis's: `sha=00000000:0` is what Redis prints when built
/// outside git (no commit is recorded in this build), `malloc=libc` is
/// Rust's system allocator, and `build` is a hash of the name, version and
/// target, the same for every build of one version for one platform.
pub fn version() -> String {
    let version = env!("CARGO_PKG_VERSION");
    let id = format!(
        "ae-demo {version} {} {}",
        std::env::consts::ARCH,
        std::env::consts::OS
    );
    // FNV-1a, 64 bits.
    let build = id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!(
        "ae-demo server v={version} sha=00000000:0 malloc=libc bits={} build={build:x}",
        usize::BITS
    )
}

/// The usage text, from [`SETTINGS`].
pub fn usage() -> String {
    let mut text = String::from(
        "Usage: ae-demo [/path/to/redis.conf] [options] [-]\n\
         A Redis-protocol server on the ae event loop.\n\
         \n\
         The file holds one setting a line, `name value` (# comments, Redis's\n\
         quoting); `-` reads more from standard input; the options come last\n\
         and override both.\n\
         \n",
    );
    for s in SETTINGS.iter().filter(|s| s.is_flag()) {
        let flag = format!("--{} {}", s.name, s.metavar());
        let help = s.help.replace("{best}", Backend::best().name());
        let _ = match s.default {
            Some(d) => writeln!(text, "  {flag:<36} {help} (default {d})"),
            None => writeln!(text, "  {flag:<36} {help}"),
        };
    }
    let _ = writeln!(text, "  {:<36} this text", "-h, --help");
    let _ = writeln!(text, "  {:<36} the version", "-v, --version");
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

/// Redis's `sdscatrepr`: `arg` in double quotes, escaped so that
/// [`split_args`] gives it back.
fn repr(out: &mut Vec<u8>, arg: &[u8]) {
    out.push(b'"');
    for &c in arg {
        match c {
            b'\\' | b'"' => out.extend_from_slice(&[b'\\', c]),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x07 => out.extend_from_slice(b"\\a"),
            0x08 => out.extend_from_slice(b"\\b"),
            b' '..=b'~' => out.push(c),
            _ => out.extend_from_slice(format!("\\x{c:02x}").as_bytes()),
        }
    }
    out.push(b'"');
}

/// What the command line becomes (redis-server's `main`): the config
/// file's name, if the first argument is one; whether `-` (first or last)
/// asks for standard input; and the options as config lines, one per
/// `--name`, each value quoted: `--port 7000 --save "" ` gives
/// `port "7000" \nsave "" `. As in Redis, a name's first value is taken
/// whatever it looks like, more values follow until the next `--`, and a
/// bare `--save` (last, or before another `--`) means `save ""`. Beyond
/// Redis, `--name=value` is taken too.
pub fn options_text(args: &[String]) -> (Option<String>, bool, Vec<u8>) {
    let mut file = None;
    let mut rest = args;
    if let Some(first) = args.first() {
        if !first.starts_with('-') {
            file = Some(first.clone());
            rest = &args[1..];
        }
    }
    let mut stdin = false;
    let mut options = Vec::new();
    // The last name has its value (Redis's handled_last_config_arg).
    let mut has_value = true;
    for (j, arg) in rest.iter().enumerate() {
        let first_or_last = (j == 0 && file.is_none()) || j + 1 == rest.len();
        if arg == "-" && first_or_last {
            stdin = true;
        } else if has_value && arg.starts_with("--") {
            if !options.is_empty() {
                options.push(b'\n');
            }
            let name = &arg[2..];
            match name.split_once('=') {
                Some((n, v)) if !n.is_empty() && !n.contains(' ') => {
                    options.extend_from_slice(n.as_bytes());
                    options.push(b' ');
                    repr(&mut options, v.as_bytes());
                    options.push(b' ');
                    continue;
                }
                _ => {}
            }
            options.extend_from_slice(name.as_bytes());
            options.push(b' ');
            // "--port 6380" as one argument carries its value.
            if split_args(arg.as_bytes()).is_some_and(|a| a.len() == 1) {
                has_value = false;
                let next_is_name = rest.get(j + 1).is_some_and(|n| n.starts_with("--"));
                let is_save = arg.eq_ignore_ascii_case("--save");
                if is_save && (next_is_name || j + 1 == rest.len()) {
                    options.extend_from_slice(b"\"\"");
                    has_value = true;
                }
            }
        } else {
            repr(&mut options, arg.as_bytes());
            options.push(b' ');
            has_value = true;
        }
    }
    (file, stdin, options)
}

/// Applies config text, as `loadServerConfigFromString` reads it: lines
/// split at `\n` and trimmed of spaces, tabs, CRs and LFs; blank lines and
/// those starting with `#` skipped; each other line split as
/// [`split_args`] splits (Redis's `sdssplitargs`), its first word a
/// setting's name in any case, the rest its arguments. The first line that
/// cannot be applied stops it.
pub fn load_text(config: &mut Config, text: &[u8]) -> Result<(), ArgsError> {
    // The text is a C string in Redis.
    let text = &text[..text.iter().position(|&b| b == 0).unwrap_or(text.len())];
    let mut first_save = true;
    for (i, line) in text.split(|&b| b == b'\n').enumerate() {
        let line = trim(line);
        if line.is_empty() || line[0] == b'#' {
            continue;
        }
        let fail = |why: &str| ArgsError::Line {
            number: i + 1,
            text: String::from_utf8_lossy(line).into_owned(),
            why: why.to_string(),
        };
        let args =
            split_args(line).ok_or_else(|| fail("Unbalanced quotes in configuration line"))?;
        let Some((name, values)) = args.split_first() else {
            continue;
        };
        let setting = SETTINGS
            .iter()
            .find(|s| s.name.as_bytes().eq_ignore_ascii_case(name))
            .ok_or_else(|| fail("Bad directive or wrong number of arguments"))?;
        setting
            .apply(config, values, first_save)
            .map_err(|why| fail(&why))?;
        if matches!(setting.kind, Kind::Save) {
            first_save = false;
        }
    }
    Ok(())
}

/// Parses the arguments after the program name, reading the config file
/// and standard input when they name them.
pub fn parse_args<I: IntoIterator<Item = String>>(args: I) -> Result<Command, ArgsError> {
    let args: Vec<String> = args.into_iter().collect();
    // As redis-server, these count only first.
    match args.first().map(String::as_str) {
        Some("-v" | "--version") => return Ok(Command::Version),
        Some("-h" | "--help") => return Ok(Command::Help),
        _ => {}
    }
    let mut config = Config {
        backend: Backend::from_env().map_err(|e| ArgsError::Other(e.to_string()))?,
        ..Config::default()
    };
    if args.is_empty() {
        return Ok(Command::Run(config));
    }
    let (file, stdin, options) = options_text(&args);
    let mut text = Vec::new();
    if let Some(path) = &file {
        text = std::fs::read(path).map_err(|e| {
            ArgsError::Open(format!(
                "Fatal error, can't open config file '{path}': {}",
                strerror(&e)
            ))
        })?;
    }
    if stdin {
        crate::log!(Warning, "Reading config from stdin");
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut text)
            .map_err(|e| ArgsError::Other(format!("reading standard input: {e}")))?;
    }
    text.push(b'\n');
    text.extend_from_slice(&options);
    load_text(&mut config, &text)?;
    Ok(Command::Run(config))
}

/// `line` without the spaces, tabs, CRs and LFs at either end (Redis's
/// `sdstrim(line, " \t\r\n")`).
fn trim(line: &[u8]) -> &[u8] {
    let cut = |b: &u8| !matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let start = line.iter().position(cut).unwrap_or(line.len());
    let end = line.iter().rposition(cut).map_or(start, |i| i + 1);
    &line[start..end]
}

/// An OS error as C's `strerror` words it (Rust adds " (os error N)").
fn strerror(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

/// An OS error as Redis prints it (`strerror`): the text without Rust's
/// " (os error N)".
fn os_error_text(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Config, String> {
        match parse_args(args.iter().map(|s| s.to_string())).map_err(|e| e.to_string())? {
            Command::Run(c) => Ok(c),
            Command::Help => Err("help".into()),
            Command::Version => Err("version".into()),
        }
    }

    /// The config text loaded over the defaults, or the error's report.
    fn load(text: &str) -> Result<Config, String> {
        let mut c = Config::default();
        load_text(&mut c, text.as_bytes()).map_err(|e| e.to_string())?;
        Ok(c)
    }

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn version_line_has_redis_servers_fields() {
        let v = version();
        let words: Vec<&str> = v.split(' ').collect();
        assert_eq!(&words[..2], ["ae-demo", "server"], "{v}");
        let keys: Vec<&str> = words[2..]
            .iter()
            .map(|w| w.split_once('=').map_or("", |(k, _)| k))
            .collect();
        assert_eq!(keys, ["v", "sha", "malloc", "bits", "build"], "{v}");
        assert!(v.contains(&format!("v={} ", env!("CARGO_PKG_VERSION"))));
        assert_eq!(v, version(), "the same each time");
        for first in ["-v", "--version"] {
            assert!(matches!(
                parse_args(strings(&[first])),
                Ok(Command::Version)
            ));
        }
        assert!(matches!(parse_args(strings(&["-h"])), Ok(Command::Help)));
    }

    /// The command line becomes config lines as in redis-server's main.
    #[test]
    fn command_line_becomes_config_lines() {
        let (file, stdin, text) = options_text(&strings(&[
            "my.conf",
            "--port",
            "7000",
            "--save",
            "--loglevel",
            "verbose",
            "--save",
            "900",
            "1",
            "--hz=5",
            "--bind",
            "a\"b\n",
            "--save",
        ]));
        assert_eq!(file.as_deref(), Some("my.conf"));
        assert!(!stdin);
        assert_eq!(
            String::from_utf8(text).unwrap(),
            "port \"7000\" \nsave \"\"\nloglevel \"verbose\" \nsave \"900\" \"1\" \n\
             hz \"5\" \nbind \"a\\\"b\\n\" \nsave \"\""
        );
        // `-` first or last reads standard input; elsewhere it is a value.
        let (file, stdin, text) = options_text(&strings(&["-", "--port", "-", "--hz", "1"]));
        assert_eq!((file, stdin), (None, true));
        assert_eq!(text, b"port \"-\" \nhz \"1\" ");
        let (_, stdin, _) = options_text(&strings(&["x.conf", "-"]));
        assert!(stdin);
    }

    /// Comments, blank lines, quoting, names in any case, and later lines
    /// (the command line's) over earlier ones (the file's).
    #[test]
    fn config_text_lines() {
        let c = load(
            "# a comment\n\
             \n\
             \t  \r\n\
             PORT 7001\r\n\
             \x20 hz \"20\"\n\
             loglevel 'verbose'\n\
             save \"900 1\"\n\
             save 300 10\n\
             client-output-buffer-limit normal 1mb 0 0 pubsub 32mb 8mb 60\n\
             \n\
             port \"7002\" \nhz \"30\" ",
        )
        .unwrap();
        assert_eq!((c.port, c.hz, c.loglevel), (7002, 30, Level::Verbose));
        assert_eq!(c.save, [(900, 1), (300, 10)]);
        assert_eq!(c.client_output_buffer_limit, 1 << 20);
        // `save ""` clears what came before; the first save replaces the
        // defaults (none here) and later ones add.
        assert!(load("save 900 1\nsave \"\"").unwrap().save.is_empty());
        assert_eq!(load("save \"\"\nsave 60 5").unwrap().save, [(60, 5)]);
        for ok in [
            "appendonly no",
            "daemonize NO",
            "protected-mode no",
            "logfile \"\"",
        ] {
            assert!(load(ok).is_ok(), "{ok}");
        }
    }

    /// Each error as Redis reports it: the line number, the line, why.
    #[test]
    fn config_text_errors() {
        let report = |n: usize, line: &str, why: &str| {
            format!(
                "\n*** FATAL CONFIG FILE ERROR (ae-demo {}) ***\n\
                 Reading the configuration file, at line {n}\n>>> '{line}'\n{why}\n",
                env!("CARGO_PKG_VERSION")
            )
        };
        for (text, n, line, why) in [
            (
                "# c\n\nnope 1\n",
                3,
                "nope 1",
                "Bad directive or wrong number of arguments",
            ),
            (
                "port \"6380",
                1,
                "port \"6380",
                "Unbalanced quotes in configuration line",
            ),
            (
                "port 1\nport \"1\"x",
                2,
                "port \"1\"x",
                "Unbalanced quotes in configuration line",
            ),
            ("port 1 2", 1, "port 1 2", "wrong number of arguments"),
            ("port", 1, "port", "wrong number of arguments"),
            (
                "port 70000",
                1,
                "port 70000",
                "argument must be between 0 and 65535 inclusive",
            ),
            (
                "hz x",
                1,
                "hz x",
                "argument couldn't be parsed into an integer",
            ),
            ("save 900", 1, "save 900", "Invalid save parameters"),
            ("save 0 1", 1, "save 0 1", "Invalid save parameters"),
            (
                "loglevel loud",
                1,
                "loglevel loud",
                "argument(s) must be one of the following: debug, verbose, notice, warning",
            ),
            (
                "appendonly maybe",
                1,
                "appendonly maybe",
                "argument must be 'yes' or 'no'",
            ),
            (
                "client-query-buffer-limit 1tb",
                1,
                "client-query-buffer-limit 1tb",
                "argument must be a memory value",
            ),
        ] {
            assert_eq!(load(text).unwrap_err(), report(n, line, why), "{text:?}");
        }
        for (text, word) in [
            ("appendonly yes", "append-only"),
            ("daemonize yes", "foreground"),
            ("protected-mode yes", "loopback"),
            ("logfile /tmp/x.log", "standard output"),
            ("proto-max-bulk-len 1mb", "fixed"),
        ] {
            let e = load(text).unwrap_err();
            assert!(e.contains("not supported") || e.contains(word), "{e}");
            assert!(e.contains(word), "{e}");
        }
        // The command line's own lines follow the (empty) file's.
        assert_eq!(
            parse(&["--nope", "1"]).unwrap_err(),
            report(
                2,
                "nope \"1\"",
                "Bad directive or wrong number of arguments"
            )
        );
    }

    /// CONFIG SET of the settings this server has only one way.
    #[test]
    fn config_set_of_save_and_the_off_settings() {
        let mut c = Config::default();
        let save = Setting::find(b"save").unwrap();
        save.parse_config(&mut c, b"900 1 60 100").unwrap();
        assert_eq!((save.show)(&c), "900 1 60 100");
        save.parse_config(&mut c, b"").unwrap();
        assert_eq!((save.show)(&c), "");
        assert_eq!(
            save.parse_config(&mut c, b"900"),
            Err("Invalid save parameters".into())
        );
        let aof = Setting::find(b"appendonly").unwrap();
        aof.parse_config(&mut c, b"NO").unwrap();
        assert!(aof
            .parse_config(&mut c, b"yes")
            .unwrap_err()
            .contains("not supported"));
        assert!(!Setting::find(b"daemonize").unwrap().is_mutable());
    }

    /// Redis's bool configs and its multi-argument list of doubles, as
    /// redis-server 7.0.15 answers CONFIG SET and GET of them.
    #[test]
    fn latency_tracking_settings() {
        let mut c = Config::default();
        assert!(c.latency_tracking);
        let tracking = Setting::find(b"latency-tracking").unwrap();
        tracking.parse_config(&mut c, b"NO").unwrap();
        assert_eq!((tracking.show)(&c), "no");
        assert_eq!(
            tracking.parse_config(&mut c, b"maybe"),
            Err("argument must be 'yes' or 'no'".into())
        );
        let ps = Setting::find(b"latency-tracking-info-percentiles").unwrap();
        assert_eq!((ps.show)(&c), "50 99 99.9");
        ps.parse_config(&mut c, b"0 12.5 100 99.99").unwrap();
        assert_eq!(
            c.latency_tracking_info_percentiles,
            [0.0, 12.5, 100.0, 99.99]
        );
        assert_eq!((ps.show)(&c), "0 12.5 100 99.99");
        ps.parse_config(&mut c, b"").unwrap();
        assert_eq!((ps.show)(&c), "");
        for (bad, why) in [
            ("101", "parameters should sit between [0.0,100.0]"),
            ("-1", "parameters should sit between [0.0,100.0]"),
            ("x", "Invalid latency-tracking-info-percentiles parameters"),
            (
                "50 nan",
                "Invalid latency-tracking-info-percentiles parameters",
            ),
        ] {
            let err = ps.parse_config(&mut c, bad.as_bytes()).unwrap_err();
            assert!(err.ends_with(why), "{bad}: {err}");
        }
        // A config file gives them as several arguments, or one quoted.
        let c = load("latency-tracking-info-percentiles 90 99\nlatency-tracking no").unwrap();
        assert_eq!(c.latency_tracking_info_percentiles, [90.0, 99.0]);
        assert!(!c.latency_tracking);
        let c = load("latency-tracking-info-percentiles \"\"").unwrap();
        assert!(c.latency_tracking_info_percentiles.is_empty());
    }

    /// `rdbcompression`, a bool config as Redis has it: yes by default,
    /// from the file, the command line and CONFIG SET.
    #[test]
    fn rdbcompression_setting() {
        assert!(Config::default().rdbcompression);
        assert!(!load("rdbcompression no").unwrap().rdbcompression);
        assert!(!parse(&["--rdbcompression", "NO"]).unwrap().rdbcompression);
        assert!(parse(&["--rdbcompression", "off"]).is_err());
        let mut c = Config::default();
        let setting = Setting::find(b"RDBCOMPRESSION").unwrap();
        assert!(setting.is_mutable());
        setting.parse_config(&mut c, b"no").unwrap();
        assert_eq!((setting.show)(&c), "no");
        assert_eq!(
            setting.parse_config(&mut c, b"maybe"),
            Err("argument must be 'yes' or 'no'".into())
        );
        assert!(!c.rdbcompression);
    }

    /// `rdb-key-save-delay`, a hidden int config as Redis has it: by
    /// name only in CONFIG GET, any 32-bit value, 0 by default.
    #[test]
    fn rdb_key_save_delay_setting() {
        assert_eq!(Config::default().rdb_key_save_delay, 0);
        let c = parse(&["--rdb-key-save-delay", "-10"]).unwrap();
        assert_eq!(c.rdb_key_save_delay, -10);
        let setting = Setting::find(b"rdb-key-save-delay").unwrap();
        assert!(setting.is_mutable() && setting.in_config() && !setting.in_patterns());
        let mut c = Config::default();
        setting.parse_config(&mut c, b"2147483647").unwrap();
        assert_eq!((setting.show)(&c), "2147483647");
        assert_eq!(
            setting.parse_config(&mut c, b"2147483648"),
            Err("argument must be between -2147483648 and 2147483647 inclusive".into())
        );
        assert_eq!(
            setting.parse_config(&mut c, b"1ms"),
            Err("argument couldn't be parsed into an integer".into())
        );
        assert!(Setting::find(b"rdbcompression").unwrap().in_patterns());
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
