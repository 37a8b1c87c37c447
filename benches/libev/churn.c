/* libev's side of the timer churn comparison (benches/libev/compare.sh):
 * `churn N rounds [anchored]` prints, per round, the nanoseconds per timer to
 * start N timers due in an hour with ev_timer_start and stop them in start
 * order with ev_timer_stop, exactly as `timers churn N` does on ae. The
 * timers live in one array for all rounds, as ae's bench keeps one loop.
 * With `anchored`, one non-blocking ev_run between starting and stopping,
 * as `timers churn-anchored`; with `spread`, the same with deadlines 1 us
 * apart, as `timers churn-spread` (no ties: every delete sifts, in libev
 * too). Written for this project; needs libev-dev. */
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void cb(struct ev_loop *loop, ev_timer *w, int revents) {
    (void)loop; (void)w; (void)revents;
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: churn N rounds [anchored|spread]\n");
        return 2;
    }
    int n = atoi(argv[1]), rounds = atoi(argv[2]);
    int spread = argc > 3 && strcmp(argv[3], "spread") == 0;
    int anchored = spread || (argc > 3 && strcmp(argv[3], "anchored") == 0);
    if (n <= 0 || rounds <= 0) {
        fprintf(stderr, "N and rounds must be positive\n");
        return 2;
    }
    struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
    ev_timer *timers = malloc(sizeof(ev_timer) * (size_t)n);
    if (!loop || !timers) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    for (int r = 0; r < rounds; r++) {
        double start = now();
        for (int i = 0; i < n; i++) {
            ev_timer_init(&timers[i], cb, 3600. + (spread ? i * 1e-6 : 0.), 0.);
            ev_timer_start(loop, &timers[i]);
        }
        if (anchored)
            ev_run(loop, EVRUN_NOWAIT);
        for (int i = 0; i < n; i++)
            ev_timer_stop(loop, &timers[i]);
        printf("%.0f\n", (now() - start) * 1e9 / n);
    }
    free(timers);
    ev_loop_destroy(loop);
    return 0;
}
