//! `server_cron`: the periodic work of the server (Redis's `serverCron`).

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use ae::{Poller, TimerAction, TimerId};

use super::networking::free_client;
use super::persistence::LoopChildren;
use super::{Loop, Server};
use crate::log;

/// Share of each cron period that active expiry may use
/// (`ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC`).
const EXPIRE_TIME_PERCENT: u32 = 25;

/// Runs `hz` times a second: shutdown when asked, SIGHUP noted, idle
/// clients, spare value buffers, active expiry, the ops/sec sample, the
/// BGSAVE child's reports (once a second) or the save schedules.
pub fn server_cron<P: Poller>(el: &mut Loop<P>, server: &mut Server, _id: TimerId) -> TimerAction {
    let period = Duration::from_millis(1000 / u64::from(server.engine.config.hz));
    if server.shutdown_asap.load(Ordering::SeqCst) {
        // SHUTDOWN saved already, as its reply depended on it.
        finish_shutdown(el, server);
        return TimerAction::NoMore;
    }
    if server.hangup.swap(false, Ordering::SeqCst) {
        log!(Notice, "Received SIGHUP: ignored, as Redis does.");
    }
    clients_cron(el, server);
    server.engine.bulk_pool.trim();
    crate::engine::active_expire_cycle(&mut server.engine, period * EXPIRE_TIME_PERCENT / 100);
    server
        .engine
        .stats
        .track(Instant::now(), crate::heap::used());
    if let Some(receiver) = server.child_info.as_mut() {
        receiver.receive_periodically(Instant::now(), |info| server.engine.child_info(info));
    }
    let mut children = LoopChildren::new(el, &server.listener, &mut server.child_info);
    server.engine.persistence_cron(&mut children);
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

/// SIGINT or SIGTERM (`prepareForShutdown` from the cron in Redis): saves
/// as the schedules say, then shuts down; if that save fails the server
/// goes on, as Redis does.
pub(crate) fn prepare_for_shutdown<P: Poller>(el: &mut Loop<P>, server: &mut Server) {
    log!(Warning, "Received shutdown request, scheduling shutdown...");
    let mut children = LoopChildren::new(el, &server.listener, &mut server.child_info);
    if !server
        .engine
        .save_for_shutdown(&mut children, false, false, false)
    {
        log!(
            Warning,
            "SIGTERM received but errors trying to shut down the server, check the logs for more information"
        );
        return;
    }
    finish_shutdown(el, server);
}

/// Closes the listener and every client and stops the loop
/// (`finishShutdown`); `main` then exits 0.
fn finish_shutdown<P: Poller>(el: &mut Loop<P>, server: &mut Server) {
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
