//! `server_cron`: the periodic work of the server (Redis's `serverCron`).

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use ae::{Poller, TimerAction, TimerId};

use crate::log;
use crate::networking::free_client_by_fd;
use crate::server::{Loop, Server};

/// Share of each cron period that active expiry may use
/// (`ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC`).
const EXPIRE_TIME_PERCENT: u32 = 25;

/// Runs `hz` times a second: shutdown when asked, SIGHUP noted, idle
/// clients, spare value buffers, active expiry, the ops/sec sample.
pub fn server_cron<P: Poller>(el: &mut Loop<P>, server: &mut Server, _id: TimerId) -> TimerAction {
    let period = Duration::from_millis(1000 / u64::from(server.config.hz));
    if server.shutdown_asap.load(Ordering::SeqCst) {
        prepare_for_shutdown(el, server);
        return TimerAction::NoMore;
    }
    if server.hangup.swap(false, Ordering::SeqCst) {
        log!(Notice, "Received SIGHUP: ignored, as Redis does.");
    }
    clients_cron(el, server);
    server.bulk_pool.trim();
    crate::commands::active_expire_cycle(server, period * EXPIRE_TIME_PERCENT / 100);
    track_ops(server);
    TimerAction::Repeat(period)
}

/// Closes clients idle longer than `--timeout` (`clientsCronHandleTimeout`).
fn clients_cron<P: Poller>(el: &mut Loop<P>, server: &mut Server) {
    if server.config.timeout == 0 {
        return;
    }
    let limit = Duration::from_secs(server.config.timeout);
    let now = Instant::now();
    for fd in 0..server.clients.len() {
        let idle = match &server.clients[fd] {
            // MONITOR clients only listen: never idle (as Redis skips them).
            Some(c) => {
                !c.session.monitor && now.saturating_duration_since(c.last_interaction) > limit
            }
            None => false,
        };
        if idle {
            log!(Verbose, "Closing idle client fd={fd}");
            free_client_by_fd(el, server, fd as i32);
        }
    }
}

/// One ops/sec sample (`trackInstantaneousMetric`).
fn track_ops(server: &mut Server) {
    let now = Instant::now();
    let stats = &mut server.stats;
    if let Some((when, count)) = stats.last_sample {
        let ms = now.duration_since(when).as_millis().max(1) as u64;
        let ops = (stats.total_commands - count) * 1000 / ms;
        stats.ops_samples[stats.ops_index] = ops;
        stats.ops_index = (stats.ops_index + 1) % stats.ops_samples.len();
    }
    stats.last_sample = Some((now, stats.total_commands));
}

/// Closes the listener and every client and stops the loop
/// (`prepareForShutdown`); `main` then exits 0.
pub(crate) fn prepare_for_shutdown<P: Poller>(el: &mut Loop<P>, server: &mut Server) {
    log!(Warning, "Received shutdown request, scheduling shutdown...");
    if let Some(listener) = server.listener.take() {
        use std::os::fd::AsRawFd;
        el.delete_file_event(listener.as_raw_fd(), ae::Mask::READABLE);
    }
    for fd in 0..server.clients.len() {
        free_client_by_fd(el, server, fd as i32);
    }
    log!(Warning, "ae-demo is now ready to exit, bye bye...");
    el.stop();
}
