//! `server_cron`: the periodic work of the server (Redis's `serverCron`).

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use ae::{Poller, TimerAction, TimerId};

use super::networking::free_client;
use super::{Loop, Server};
use crate::log;

/// Share of each cron period that active expiry may use
/// (`ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC`).
const EXPIRE_TIME_PERCENT: u32 = 25;

/// Runs `hz` times a second: shutdown when asked, SIGHUP noted, idle
/// clients, spare value buffers, active expiry, the ops/sec sample.
pub fn server_cron<P: Poller>(el: &mut Loop<P>, server: &mut Server, _id: TimerId) -> TimerAction {
    let period = Duration::from_millis(1000 / u64::from(server.engine.config.hz));
    if server.shutdown_asap.load(Ordering::SeqCst) {
        prepare_for_shutdown(el, server);
        return TimerAction::NoMore;
    }
    if server.hangup.swap(false, Ordering::SeqCst) {
        log!(Notice, "Received SIGHUP: ignored, as Redis does.");
    }
    clients_cron(el, server);
    server.engine.bulk_pool.trim();
    crate::engine::active_expire_cycle(&mut server.engine, period * EXPIRE_TIME_PERCENT / 100);
    server.engine.stats.track_ops(Instant::now());
    TimerAction::Repeat(period)
}

/// Closes clients idle longer than `--timeout` (`clientsCronHandleTimeout`).
fn clients_cron<P: Poller>(el: &mut Loop<P>, server: &mut Server) {
    if server.engine.config.timeout == 0 {
        return;
    }
    let limit = Duration::from_secs(server.engine.config.timeout);
    let now = Instant::now();
    for fd in 0..server.clients.capacity() as i32 {
        let idle = match server.clients.get(fd) {
            // MONITOR clients only listen: never idle (as Redis skips them).
            Some(c) => {
                !c.session.monitor && now.saturating_duration_since(c.last_interaction) > limit
            }
            None => false,
        };
        if idle {
            log!(Verbose, "Closing idle client fd={fd}");
            free_client(el, server, fd);
        }
    }
}

/// Closes the listener and every client and stops the loop
/// (`prepareForShutdown`); `main` then exits 0.
pub(crate) fn prepare_for_shutdown<P: Poller>(el: &mut Loop<P>, server: &mut Server) {
    log!(Warning, "Received shutdown request, scheduling shutdown...");
    if let Some(listener) = server.listener.take() {
        use std::os::fd::AsRawFd;
        el.delete_file_event(listener.as_raw_fd(), ae::Mask::READABLE);
    }
    for fd in 0..server.clients.capacity() as i32 {
        free_client(el, server, fd);
    }
    log!(Warning, "ae-demo is now ready to exit, bye bye...");
    el.stop();
}
