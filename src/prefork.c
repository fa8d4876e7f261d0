/* prefork.c — master and workers.
 *
 * The master only forks, reaps and handles signals; all requests are
 * served by workers, each one request at a time on the shared listening
 * socket.  A worker blocks SIGTERM except while it waits for a
 * connection or for the head of a request (its params), so a stop never
 * cuts a request short: an idle worker exits at once, a busy one after
 * its request, which its deadlines bound.
 *
 * The pool grows under load: [server] workers always run; when every
 * one is busy and a connection waits, the master starts an extra one, up
 * to max_workers, and an extra worker that waits EXTRA_IDLE_SECONDS for a
 * request exits.  The master looks for waiting connections only while
 * all are busy, every SATURATED_TICK_NS. */
#include "prefork.h"

#include <errno.h>
#include <fcgiapp.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include "bounds.h"
#include "checks.h"
#include "child.h"
#include "crypto.h"
#include "fcgi_conn.h"
#include "keeper.h"
#include "log.h"
#include "secret.h"
#include "transport.h"
#include "worker.h"

/* Seconds past [handler] timeout: a request's last writes have
 * CUT_GRACE more, its close DRAIN_TIME. */
#define STOP_GRACE_EXTRA 5
_Static_assert(STOP_GRACE_EXTRA > CUT_GRACE + DRAIN_TIME,
    "a stop must let a request end within its bounds");
#define EXTRA_IDLE_SECONDS 10   /* an extra worker idle this long exits */
#define NSLOTS (MAX_WORKERS * 2) /* a reload's old and new workers */
#define SATURATED_TICK_NS 100000000L   /* 0.1 s */

/* Shared by the master and its workers (an anonymous shared mapping),
 * one slot per worker process. */
enum { SLOT_OFF, SLOT_IDLE, SLOT_BUSY };
struct pool {
	/* Each worker's running CGI process group.  The child runs in a
	 * session of its own, so a worker that dies (kill -9, OOM) would
	 * leave it running past every timeout. */
	volatile pid_t child_groups[NSLOTS];
	/* SLOT_IDLE or SLOT_BUSY (from accept to the request's end) for a
	 * worker of the current generation, else SLOT_OFF. */
	atomic_int state[NSLOTS];
	atomic_int idle;                /* slots in SLOT_IDLE */
};

/* Seconds from t to now, on the monotonic clock. */
static double
seconds_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) +
	    (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

static volatile sig_atomic_t worker_stop;
static int worker_listen_fd = -1;

static void
on_worker_term(int sig)
{
	(void)sig;
	worker_stop = 1;
}

/* The master is gone (killed -9, say).  The request in hand goes on, but
 * the listening socket is let go of at once: a new master started on
 * the same socket path would find it still accepting, take it for a live
 * server's, and refuse to start until every request here had ended. */
static void
on_master_gone(int sig)
{
	(void)sig;
	worker_stop = 1;
	if (worker_listen_fd >= 0) {
		close(worker_listen_fd);
		worker_listen_fd = -1;
	}
}

/* Wait for a connection with SIGTERM deliverable, accept it.  -1 on a
 * stop or an error, -2 when idle_s (> 0) seconds pass without one. */
static int
accept_one(int listen_fd, const sigset_t *waitmask, int idle_s)
{
	struct pollfd p = { listen_fd, POLLIN, 0 };
	struct timespec since, left;

	clock_gettime(CLOCK_MONOTONIC, &since);
	while (!worker_stop) {
		if (idle_s > 0) {
			/* (Woken for a connection another worker took, it is
			 * still idle: the time counts from the start.) */
			double rest = idle_s - seconds_since(&since);
			if (rest <= 0)
				return -2;
			left.tv_sec = (time_t)rest;
			left.tv_nsec = (long)((rest - (double)left.tv_sec) * 1e9);
		}
		int rc = ppoll(&p, 1, idle_s > 0 ? &left : NULL, waitmask);
		if (worker_stop)
			break;          /* (the socket may be closed by now) */
		if (rc < 0 && errno != EINTR)
			return -1;
		if (rc <= 0 || worker_stop)
			continue;
		int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0)
			return fd;
		if (worker_stop)
			break;
		/* Another worker took it, or the peer gave up already. */
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
		    errno != ECONNABORTED && errno != EPROTO) {
			log_error("accept: %s", strerror(errno));
			sleep(1);
		}
	}
	return -1;
}

/* A worker takes a request: the last of the pool to become busy wakes
 * the master, which then watches for connections no worker is free to
 * take.  (A slot the master has turned off, at a reload, stays off.) */
static void
slot_busy(struct pool *pool, int slot, pid_t master)
{
	int s = SLOT_IDLE;

	/* (Not to a pid the master's death freed for another process.) */
	if (atomic_compare_exchange_strong(&pool->state[slot], &s, SLOT_BUSY) &&
	    atomic_fetch_sub(&pool->idle, 1) == 1 && getppid() == master)
		kill(master, SIGUSR2);
}

static void
slot_idle(struct pool *pool, int slot)
{
	int s = SLOT_BUSY;

	if (atomic_compare_exchange_strong(&pool->state[slot], &s, SLOT_IDLE))
		atomic_fetch_add(&pool->idle, 1);
}

/* idle_s: an extra worker's time to wait for a request before it exits
 * (0: wait for ever). */
static void
worker_main(const struct config *cfg, const struct keyset *keys,
    int listen_fd, pid_t master, struct pool *pool,
    int slot, int idle_s)
{
	struct sigaction sa;
	sigset_t blocked, waitmask;
	struct keeper *keeper = NULL;
	struct worker_ctx w;
	FCGX_Request req;
	struct fcgi_head head;
	char err[512];

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_worker_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGHUP, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGTERM);
	sigaddset(&blocked, SIGINT);
	sigprocmask(SIG_SETMASK, &blocked, NULL);
	sigemptyset(&waitmask);
	/* A worker never outlives its master (killed -9, say): it stops
	 * after its request, and lets go of the socket at once (SA_RESTART:
	 * the request's reads and writes go on; its polls see EINTR). */
	worker_listen_fd = listen_fd;
	sa.sa_handler = on_master_gone;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	prctl(PR_SET_PDEATHSIG, SIGUSR1);
	if (getppid() != master)
		on_master_gone(SIGUSR1);

	/* The master's keys, not the files: those may hold a secret not yet
	 * taken by a reload, or be unreadable by now. */
	if (keys && keeper_open_keys(&keeper, cfg, keys, err,
	        sizeof(err)) < 0) {
		log_error("%s", err);
		_exit(2);
	}
	if (worker_init(&w, cfg, keeper) < 0) {
		log_error("out of memory");
		_exit(2);
	}
	w.child_group = &pool->child_groups[slot];
	if (fcgi_head_init(&head) < 0) {
		log_error("out of memory");
		_exit(2);
	}
	FCGX_Init();
	/* listen_sock -1: libfcgi never accepts by itself (it would block in
	 * accept(), out of reach of our signal handling); we hand it each
	 * connection whose head we read. */
	FCGX_InitRequest(&req, -1, 0);
	while (!worker_stop) {
		int fd = accept_one(listen_fd, &waitmask, idle_s);
		enum fcgi_head_result hr;

		if (fd == -2)
			log_info("extra worker idle for %d s: exiting", idle_s);
		if (fd < 0)
			break;
		slot_busy(pool, slot, master);
		/* The head with SIGTERM deliverable: there is no request yet,
		 * a stop drops the connection at once.  It has PARAMS_TIMEOUT,
		 * or the request's timeout if that is shorter. */
		hr = fcgi_head_read(&head, fd, cfg->timeout < PARAMS_TIMEOUT ?
		    (int)cfg->timeout : PARAMS_TIMEOUT, &waitmask, &worker_stop,
		    err, sizeof(err));
		if (hr == HEAD_STOP) {
			close(fd);
			break;
		}
		if (hr != HEAD_OK) {
			if (hr == HEAD_GONE)
				log_debug("%s", err);
			else
				log_error("%s", err);
			if (hr == HEAD_REFUSED)
				fcgi_head_refuse(&head, fd, 431);
			fcgi_conn_close(fd);
			slot_idle(pool, slot);
			continue;
		}
		if (fcgi_conn_start(&req, fd, &head) == 0) {
			struct transport t;
			transport_fcgi(&t, &req, head.envp);
			worker_handle(&w, &t);
		} else {
			log_error("cannot hand a connection to libfcgi");
		}
		/* One request per connection: a kept-open connection would tie
		 * a worker to one idle web server thread. */
		fcgi_conn_finish(&req);
		slot_idle(pool, slot);
	}
	fcgi_head_free(&head);
	worker_free(&w);
	if (keeper)
		keeper_close(keeper);
	_exit(0);
}

struct proc {
	pid_t pid;
	unsigned gen;
	int slot;                       /* its place in master.pool */
	struct timespec started;        /* CLOCK_MONOTONIC */
};

struct master {
	struct config *cfg;
	/* The keys of cfg's secret files, read at start or at the last
	 * reload (NULL without sessions); replaced, and wiped, only by a
	 * reload that took new ones. */
	struct keyset **keys;
	const struct overrides *ov;
	int listen_fd;
	struct proc procs[NSLOTS];
	int nprocs;
	struct pool *pool;              /* shared with the workers */
	unsigned gen;
	pid_t gc_pid;
	int stopping;
};

/* A slot of the pool no live worker holds (there are as many slots as
 * procs). */
static int
free_slot(const struct master *m)
{
	for (int slot = 0;; slot++) {
		int taken = 0;

		for (int i = 0; i < m->nprocs && !taken; i++)
			taken = m->procs[i].slot == slot;
		if (!taken)
			return slot;
	}
}

/* The master takes a slot off the pool's count of idle workers: its
 * worker died, or is of an older generation. */
static void
slot_off(struct pool *pool, int slot)
{
	int s = atomic_load(&pool->state[slot]);

	while (s != SLOT_OFF &&
	    !atomic_compare_exchange_weak(&pool->state[slot], &s, SLOT_OFF))
		;
	if (s == SLOT_IDLE)
		atomic_fetch_sub(&pool->idle, 1);
}

/* Start a worker; an extra one exits after EXTRA_IDLE_SECONDS idle.
 * Returns its pid, or -1. */
static pid_t
spawn_worker(struct master *m, int extra)
{
	pid_t pid, master = getpid();
	int slot;

	if (m->nprocs >= (int)(sizeof(m->procs) / sizeof(m->procs[0]))) {
		log_error("too many worker processes; not spawning");
		return -1;
	}
	slot = free_slot(m);
	m->pool->child_groups[slot] = 0;
	atomic_store(&m->pool->state[slot], SLOT_IDLE);
	atomic_fetch_add(&m->pool->idle, 1);
	pid = fork();
	if (pid < 0) {
		log_error("fork: %s", strerror(errno));
		slot_off(m->pool, slot);
		return -1;
	}
	if (pid == 0)
		worker_main(m->cfg, *m->keys, m->listen_fd,
		    master, m->pool, slot, extra ? EXTRA_IDLE_SECONDS : 0);
	m->procs[m->nprocs] = (struct proc){ pid, m->gen, slot, { 0, 0 } };
	clock_gettime(CLOCK_MONOTONIC, &m->procs[m->nprocs++].started);
	return pid;
}

static int
count_current(const struct master *m)
{
	int n = 0;

	for (int i = 0; i < m->nprocs; i++)
		n += m->procs[i].gen == m->gen;
	return n;
}

/* Every worker busy, and room for one more: the master then wakes up
 * every SATURATED_TICK_NS to look for a waiting connection. */
static int
saturated(const struct master *m)
{
	return !m->stopping && atomic_load(&m->pool->idle) <= 0 &&
	    count_current(m) < config_max_workers(m->cfg);
}

/* Saturated, and a connection waits: start an extra worker for it.  (Until
 * it takes the connection it counts as idle: no second one for it.) */
static void
grow(struct master *m)
{
	int n = count_current(m), max = config_max_workers(m->cfg);
	struct pollfd p = { m->listen_fd, POLLIN, 0 };
	pid_t pid;

	if (!saturated(m) || poll(&p, 1, 0) != 1)
		return;
	if ((pid = spawn_worker(m, 1)) > 0)
		log_info("all %d workers busy, a request waiting: extra worker "
		    "%ld started (at most %d)", n, (long)pid, max);
}

static void
signal_generation(struct master *m, int sig, int old_only)
{
	for (int i = 0; i < m->nprocs; i++)
		if (!old_only || m->procs[i].gen != m->gen)
			kill(m->procs[i].pid, sig);
}

/* "signal 9" or "exit status 2", for a log line about a worker's end. */
static const char *
how_it_ended(int status, char *buf, size_t len)
{
	snprintf(buf, len, "%s %d", WIFSIGNALED(status) ? "signal" :
	    "exit status", WIFSIGNALED(status) ? WTERMSIG(status) :
	    WEXITSTATUS(status));
	return buf;
}

/* A worker gone in the middle of a request leaves its CGI program's
 * process group behind, in a session of its own: kill it, so that no
 * program outlives the timeout its worker was to enforce. */
static void
kill_orphaned_group(struct master *m, const struct proc *p, int status)
{
	pid_t group = m->pool->child_groups[p->slot];
	char how[32];

	if (group <= 0)
		return;
	m->pool->child_groups[p->slot] = 0;
	if (kill(-group, SIGKILL) == 0)
		log_warn("worker %ld ended (%s) with a CGI program running: its "
		    "process group %ld killed", (long)p->pid,
		    how_it_ended(status, how, sizeof(how)), (long)group);
}

/* Reap every exited child; note which workers need a successor. */
static void
reap(struct master *m, int *fast_deaths)
{
	pid_t pid;
	int status;
	char how[32];

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == m->gc_pid) {
			m->gc_pid = 0;
			continue;
		}
		for (int i = 0; i < m->nprocs; i++) {
			if (m->procs[i].pid != pid)
				continue;
			if (m->procs[i].gen == m->gen && !m->stopping) {
				if (WIFSIGNALED(status) || WEXITSTATUS(status) != 0)
					log_warn("worker %ld died (%s); respawning",
					    (long)pid, how_it_ended(status, how,
					    sizeof(how)));
				/* (Whole seconds of time() would miss deaths
				 * across a second's boundary.) */
				if (seconds_since(&m->procs[i].started) < 1.0)
					(*fast_deaths)++;
			}
			kill_orphaned_group(m, &m->procs[i], status);
			slot_off(m->pool, m->procs[i].slot);
			m->procs[i] = m->procs[--m->nprocs];
			break;
		}
	}
}

static void
run_gc(struct master *m)
{
	struct keeper *k;
	char err[512];
	pid_t pid;

	if (m->gc_pid > 0)
		return;           /* the last run is still going */
	pid = fork();
	if (pid < 0) {
		log_error("fork for gc: %s", strerror(errno));
		return;
	}
	if (pid > 0) {
		m->gc_pid = pid;
		return;
	}
	signal(SIGTERM, SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (keeper_open_keys(&k, m->cfg, *m->keys, err, sizeof(err)) < 0) {
		log_error("gc: %s", err);
		_exit(1);
	}
	long n = keeper_gc(k, time(NULL));
	if (n > 0)
		log_info("gc: removed %ld expired records and tombstones", n);
	keeper_close(k);
	_exit(n < 0);
}

static int
same_string(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

/* Keys a reload cannot apply: the master holds the socket it opened and
 * runs as the user it became at start.  Say so, rather than seem to
 * take them. */
static void
restart_only(const struct config *now, const struct config *fresh)
{
	static const char *const keys[] = { "listen", "socket_mode", "user",
	    "group" };
	int changed[] = {
		!same_string(now->listen, fresh->listen),
		now->socket_mode != fresh->socket_mode,
		!same_string(now->user, fresh->user),
		!same_string(now->group, fresh->group),
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (changed[i])
			log_warn("%s: [server] %s changed: it takes effect at a "
			    "restart, not a reload (the running value is kept)",
			    fresh->path, keys[i]);
}

/* When the master's next GC is due: never (0) without sessions or with
 * gc_interval 0. */
static time_t
gc_due(const struct config *cfg, time_t now)
{
	return cfg->secret_file && cfg->gc_interval > 0 ? now + cfg->gc_interval : 0;
}

static void
reload(struct master *m)
{
	struct config fresh;
	struct keyset *keys = NULL;
	struct keeper *k;
	char errs[4096];

	config_defaults(&fresh);
	if (config_load(&fresh, m->cfg->path, server_config_check, errs,
	    sizeof(errs)) != 0) {
		/* One log line per problem (a line break would be escaped). */
		log_error("reload refused, keeping the running configuration:");
		for (char *line = strtok(errs, "\n"); line; line = strtok(NULL, "\n"))
			log_error("reload refused: %s", line);
		config_free(&fresh);
		return;
	}
	/* What a new worker opens first (the master runs as the workers'
	 * user): if it cannot, every new worker would die at birth, and the
	 * running ones must not be stopped for them. */
	if (fresh.secret_file) {
		if ((keys = secrets_load(&fresh, errs, sizeof(errs))) == NULL ||
		    keeper_open_keys(&k, &fresh, keys, errs, sizeof(errs)) < 0) {
			log_error("reload refused, keeping the running "
			    "configuration: %s", errs);
			keyset_free(keys);
			config_free(&fresh);
			return;
		}
		keeper_close(k);
	}
	restart_only(m->cfg, &fresh);
	config_free(m->cfg);
	*m->cfg = fresh;
	/* (The running workers have their own copy of the old keys.) */
	keyset_free(*m->keys);
	*m->keys = keys;
	overrides_apply(m->ov, m->cfg);
	m->gen++;
	for (int i = 0; i < m->nprocs; i++)
		slot_off(m->pool, m->procs[i].slot);
	for (int i = 0; i < m->cfg->workers; i++)
		spawn_worker(m, 0);
	signal_generation(m, SIGTERM, 1);
	log_info("configuration reloaded; %d new workers", m->cfg->workers);
}

void
overrides_apply(const struct overrides *ov, struct config *cfg)
{
	if (ov->workers)
		cfg->workers = ov->workers;
	log_setup(ov->debug ? LOG_LVL_DEBUG : cfg->log_level, 0);
}

int
prefork_run(struct config *cfg, int listen_fd,
    const struct overrides *ov, struct keyset **keys)
{
	static struct master m;
	sigset_t set;
	time_t next_gc, stop_deadline = 0;
	int fast_deaths = 0;

	memset(&m, 0, sizeof(m));
	m.pool = mmap(NULL, sizeof(*m.pool), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);   /* (zeroed: all SLOT_OFF) */
	if (m.pool == MAP_FAILED) {
		log_error("mmap: %s", strerror(errno));
		return 1;
	}
	m.cfg = cfg;
	m.keys = keys;
	m.ov = ov;
	m.listen_fd = listen_fd;
	fcntl(listen_fd, F_SETFL, fcntl(listen_fd, F_GETFL) | O_NONBLOCK);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR2);       /* a worker took the last idle slot */
	sigprocmask(SIG_BLOCK, &set, NULL);

	for (int i = 0; i < cfg->workers; i++)
		spawn_worker(&m, 0);
	log_info("started %d workers", cfg->workers);
	next_gc = gc_due(cfg, time(NULL));

	for (;;) {
		struct timespec ts = { 1, 0 };
		siginfo_t info;
		time_t now = time(NULL);
		int sig;

		if (m.stopping && m.nprocs == 0 && m.gc_pid == 0)
			break;
		if (m.stopping && now >= stop_deadline) {
			log_warn("workers still busy after the grace period; killing them");
			signal_generation(&m, SIGKILL, 0);
			if (m.gc_pid > 0)
				kill(m.gc_pid, SIGKILL);
			stop_deadline = now + 3600;
		}
		if (!m.stopping && next_gc && now >= next_gc) {
			run_gc(&m);
			next_gc = gc_due(m.cfg, now);
		}
		if (saturated(&m))
			ts = (struct timespec){ 0, SATURATED_TICK_NS };
		sig = sigtimedwait(&set, &info, &ts);
		switch (sig) {
		case SIGTERM:
		case SIGINT:
			if (!m.stopping) {
				log_info("stopping: waiting for requests in flight");
				m.stopping = 1;
				stop_deadline = time(NULL) + m.cfg->timeout + STOP_GRACE_EXTRA;
				signal_generation(&m, SIGTERM, 0);
				if (m.gc_pid > 0)
					kill(m.gc_pid, SIGTERM);
			}
			break;
		case SIGHUP:
			if (!m.stopping) {
				reload(&m);
				/* gc_interval may have changed, to 0 too. */
				next_gc = gc_due(m.cfg, time(NULL));
			}
			break;
		default:
			break;
		}
		/* Reap after every wakeup, not only on SIGCHLD: those merge
		 * while we are busy. */
		reap(&m, &fast_deaths);
		if (fast_deaths > 0) {
			/* Workers that die at birth (bad secret, store) must not
			 * turn the master into a fork bomb. */
			sleep(1);
			fast_deaths = 0;
		}
		while (!m.stopping && count_current(&m) < m.cfg->workers)
			spawn_worker(&m, 0);
		grow(&m);
	}
	log_info("stopped");
	return 0;
}
