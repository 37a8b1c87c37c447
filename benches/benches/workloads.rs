//! `cargo bench -p ae-benches`: one criterion group per workload, with the
//! backend as the parameter, so the reports compare backends side by side.
//! A backend that cannot run a size (select past FD_SETSIZE) is skipped with
//! a line on stderr.

use std::time::Duration;

use ae_benches::{churn, pingpong, timers, wakeup, Backend};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

use ae::Best;

fn skip(what: &str, e: std::io::Error) {
    eprintln!("{what}: {e}");
}

/// Ping-pong, setup and run measured apart (two groups), at n = 100, 1000,
/// 5000 pairs with a = 1 and a = 100 active, w = n writes.
fn pingpong(c: &mut Criterion) {
    for (phase, measure_setup) in [("pingpong_run", false), ("pingpong_setup", true)] {
        let mut group = c.benchmark_group(phase);
        group
            .sample_size(20)
            .warm_up_time(Duration::from_millis(500));
        for n in [100, 1000, 5000] {
            for a in [1, 100] {
                for backend in Backend::available_all() {
                    let mut pp = match pingpong::new(backend, n) {
                        Ok(pp) => pp,
                        Err(e) => {
                            skip(&format!("{phase}/{backend}/n={n}"), e);
                            continue;
                        }
                    };
                    let id = BenchmarkId::new(backend.name(), format!("n={n}/a={a}"));
                    group.bench_function(id, |b| {
                        b.iter_custom(|iters| {
                            let mut total = Duration::ZERO;
                            for _ in 0..iters {
                                let (setup, run) =
                                    pingpong::iteration(pp.as_mut(), a, n).expect("iteration");
                                total += if measure_setup { setup } else { run };
                            }
                            total
                        })
                    });
                }
            }
        }
        group.finish();
    }
}

/// Timers at N = 0, 1 000, 100 000, 1 000 000 live: an idle iteration, a
/// create + delete, a reschedule, a fire (CPU time).
fn timer_workloads(c: &mut Criterion) {
    let sizes = [0usize, 1_000, 100_000, 1_000_000];
    let mut group = c.benchmark_group("timers_idle_iteration");
    group.sample_size(20);
    for n in sizes {
        group.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter_custom(|iters| {
                timers::idle::<Best>(n, iters.min(u32::MAX as u64) as u32).expect("idle")
                    * iters as u32
            })
        });
    }
    group.finish();

    // Per timer: each run returns its cost per timer (created and deleted,
    // or CPU per timer fired), so criterion's time per iteration is that.
    type PerTimer = fn(usize) -> std::io::Result<Duration>;
    let per_timer: [(&str, PerTimer); 3] = [
        ("timers_churn_per_timer", timers::churn::<Best>),
        ("timers_reschedule_per_timer", timers::reschedule::<Best>),
        ("timers_fire_cpu_per_timer", timers::fire::<Best>),
    ];
    for (name, workload) in per_timer {
        let mut group = c.benchmark_group(name);
        group.sample_size(10);
        for n in sizes.into_iter().filter(|&n| n > 0) {
            group.bench_function(BenchmarkId::from_parameter(n), |b| {
                b.iter_custom(|iters| (0..iters).map(|_| workload(n).expect(name)).sum())
            });
        }
        group.finish();
    }
}

/// Create and delete a READABLE event on 400 fds (so select joins in); time
/// per fd.
fn registration_churn(c: &mut Criterion) {
    let sockets = churn::Sockets::new(400).expect("sockets");
    let mut group = c.benchmark_group("registration_churn_per_fd");
    for backend in Backend::available_all() {
        if let Err(e) = churn::churn(backend, &sockets, 1) {
            skip(&format!("registration_churn/{backend}"), e);
            continue;
        }
        group.bench_function(BenchmarkId::from_parameter(backend.name()), |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| churn::churn(backend, &sockets, 1).expect("churn"))
                    .sum()
            })
        });
    }
    group.finish();
}

/// A blocked loop woken from another thread.
fn wakeup_latency(c: &mut Criterion) {
    let mut group = c.benchmark_group("wakeup_latency");
    group.sample_size(20);
    for backend in Backend::available_all() {
        group.bench_function(BenchmarkId::from_parameter(backend.name()), |b| {
            b.iter_custom(|iters| wakeup::latency(backend, iters).expect("wake-up"))
        });
    }
    group.finish();
}

/// A signal sent to the process, to the handler of a blocked loop.
fn signal_latency(c: &mut Criterion) {
    let mut group = c.benchmark_group("signal_latency");
    group.sample_size(20);
    for backend in Backend::available_all() {
        if wakeup::signal_latency(backend, 1).is_err() {
            continue;
        }
        group.bench_function(BenchmarkId::from_parameter(backend.name()), |b| {
            b.iter_custom(|iters| wakeup::signal_latency(backend, iters).expect("signal"))
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    pingpong,
    timer_workloads,
    registration_churn,
    wakeup_latency,
    signal_latency
);
criterion_main!(benches);
