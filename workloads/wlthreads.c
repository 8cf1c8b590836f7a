#include "wlthreads.h"

#include <dirent.h>
#include <errno.h>
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <gperftools/profiler.h>

typedef int (*wl_create_fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *),
                            void *);

/* Names given to threads this module started, by tid. Written once per
 * thread (slot claimed atomically), read after the threads are running. */
static struct {
    atomic_int tid;
    char name[WL_THREAD_NAME];
} wl_names[WL_THREADS_MAX];
static atomic_int wl_nnames;

static wl_sampler wl_mode = WL_SAMPLER_ITIMER;
static int wl_freq = 250;

/* The task-clock events while the sampler is armed, by thread. */
static pthread_mutex_t wl_ev_lock = PTHREAD_MUTEX_INITIALIZER;
static int wl_ev_active;
static struct {
    int tid, fd;
} wl_ev[WL_THREADS_MAX];
static int wl_nev;

static const char *const wl_sampler_names[] = {"itimer", "thread-timers", "task-clock"};

const char *wl_sampler_name(wl_sampler s) {
    return wl_sampler_names[s];
}

int wl_sampler_parse(const char *name) {
    for (int i = 0; i < 3; i++)
        if (strcmp(name, wl_sampler_names[i]) == 0)
            return i;
    return -1;
}

void wl_threads_configure(wl_sampler s, int freq) {
    wl_mode = s;
    wl_freq = freq > 0 ? freq : 250;
}

/* Open thread 'tid''s task-clock event, its overflow signalling SIGPROF to
 * that thread. Caller holds wl_ev_lock. */
static int wl_ev_open(int tid) {
    if (wl_nev >= WL_THREADS_MAX)
        return 0;
    struct perf_event_attr a;
    memset(&a, 0, sizeof a);
    a.size = sizeof a;
    a.type = PERF_TYPE_SOFTWARE;
    a.config = PERF_COUNT_SW_TASK_CLOCK;
    a.sample_period = (uint64_t)(1e9 / wl_freq);
    a.wakeup_events = 1;
    a.exclude_hv = 1;
    int fd = (int)syscall(SYS_perf_event_open, &a, tid, -1, -1, PERF_FLAG_FD_CLOEXEC);
    if (fd < 0)
        return -1;
    struct f_owner_ex own = {F_OWNER_TID, tid};
    if (fcntl(fd, F_SETOWN_EX, &own) != 0 || fcntl(fd, F_SETSIG, SIGPROF) != 0 ||
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_ASYNC) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    wl_ev[wl_nev].tid = tid;
    wl_ev[wl_nev].fd = fd;
    wl_nev++;
    return 0;
}

/* Thread 'tid''s task-clock count in nanoseconds, -1 when it has no event. */
static int64_t wl_ev_count(int tid) {
    int64_t v = -1;
    pthread_mutex_lock(&wl_ev_lock);
    for (int i = 0; i < wl_nev; i++) {
        uint64_t c;
        if (wl_ev[i].tid == tid && read(wl_ev[i].fd, &c, sizeof c) == (ssize_t)sizeof c)
            v = (int64_t)c;
    }
    pthread_mutex_unlock(&wl_ev_lock);
    return v;
}

static void wl_ev_close_all(void) {
    for (int i = 0; i < wl_nev; i++) {
        ioctl(wl_ev[i].fd, PERF_EVENT_IOC_DISABLE, 0);
        close(wl_ev[i].fd);
    }
    wl_nev = 0;
}

int wl_sampler_start(void) {
    if (wl_mode != WL_SAMPLER_TASK_CLOCK)
        return 0;
    /* ProfilerStart armed gperftools' process-wide ITIMER_PROF: disarm it,
     * its handler stays and takes our SIGPROFs. */
    struct itimerval off;
    memset(&off, 0, sizeof off);
    if (setitimer(ITIMER_PROF, &off, NULL) != 0)
        return -1;
    int rc = 0;
    pthread_mutex_lock(&wl_ev_lock);
    DIR *d = opendir("/proc/self/task");
    if (d == NULL) {
        rc = -1;
    } else {
        struct dirent *e;
        while (rc == 0 && (e = readdir(d)) != NULL)
            if (e->d_name[0] >= '0' && e->d_name[0] <= '9')
                rc = wl_ev_open(atoi(e->d_name));
        closedir(d);
    }
    if (rc != 0) {
        int err = errno;
        wl_ev_close_all();
        errno = err;
    } else {
        wl_ev_active = 1;
    }
    pthread_mutex_unlock(&wl_ev_lock);
    return rc;
}

void wl_sampler_stop(void) {
    pthread_mutex_lock(&wl_ev_lock);
    wl_ev_active = 0;
    wl_ev_close_all();
    pthread_mutex_unlock(&wl_ev_lock);
}

typedef struct wl_start {
    void *(*fn)(void *);
    void *arg;
    char name[WL_THREAD_NAME];
    char comm[16];
} wl_start;

/* Copy 's' into dst[n], cut to fit. */
static void wl_copy(char *dst, size_t n, const char *s) {
    size_t len = strlen(s);
    if (len >= n)
        len = n - 1;
    memcpy(dst, s, len);
    dst[len] = '\0';
}

/* "libnats.so.3.4.1" -> "nats": for the 15 characters of a thread's comm. */
static void wl_short_module(char *dst, size_t n, const char *base) {
    if (strncmp(base, "lib", 3) == 0)
        base += 3;
    size_t len = strcspn(base, ".");
    snprintf(dst, n, "%.*s", (int)len, base);
}

/* Name 'addr' as the report's symbolizer would: the symbol that starts there,
 * else <module base name>+0x<offset from the load base>. Also the comm. */
static void wl_name_addr(char *name, size_t n, char *comm, size_t ncomm, void *addr) {
    Dl_info di;
    if (dladdr(addr, &di) == 0 || di.dli_fname == NULL) {
        snprintf(name, n, "0x%lx", (unsigned long)(uintptr_t)addr);
        snprintf(comm, ncomm, "%s", name);
        return;
    }
    if (di.dli_sname != NULL && di.dli_saddr == addr) {
        snprintf(name, n, "%s", di.dli_sname);
        snprintf(comm, ncomm, "%s", di.dli_sname);
        return;
    }
    /* The maps file names the file itself, not the soname's symlink. */
    char real[PATH_MAX];
    const char *path = realpath(di.dli_fname, real) != NULL ? real : di.dli_fname;
    const char *slash = strrchr(path, '/');
    const char *base = slash != NULL ? slash + 1 : path;
    unsigned long off = (unsigned long)((uintptr_t)addr - (uintptr_t)di.dli_fbase);
    char mod[32], tmp[PATH_MAX + 32];
    snprintf(tmp, sizeof tmp, "%s+0x%lx", base, off);
    wl_copy(name, n, tmp);
    wl_short_module(mod, sizeof mod, base);
    snprintf(tmp, sizeof tmp, "%s+0x%lx", mod, off);
    wl_copy(comm, ncomm, tmp);
}

/* nats.c 3.x starts each thread at a private _threadStart whose argument is
 * {natsThreadCb entry; void *arg}: when the start routine is in libnats and
 * the first word of the argument is code in the same library, that word is
 * the thread's real entry. */
static void *wl_entry(void *(*fn)(void *), void *arg) {
    Dl_info a, b;
    if (arg == NULL || dladdr((void *)(uintptr_t)fn, &a) == 0 || a.dli_fname == NULL ||
        strstr(a.dli_fname, "libnats") == NULL)
        return (void *)(uintptr_t)fn;
    void *entry = *(void **)arg;
    if (entry != NULL && dladdr(entry, &b) != 0 && b.dli_fbase == a.dli_fbase)
        return entry;
    return (void *)(uintptr_t)fn;
}

static void *wl_trampoline(void *p) {
    wl_start st = *(wl_start *)p;
    free(p);
    pthread_setname_np(pthread_self(), st.comm);
    int i = atomic_fetch_add(&wl_nnames, 1);
    if (i < WL_THREADS_MAX) {
        snprintf(wl_names[i].name, sizeof wl_names[i].name, "%s", st.name);
        atomic_store(&wl_names[i].tid, (int)gettid());
    }
    /* Per-thread timers (CPUPROFILE_PER_THREAD_TIMERS) sample only registered
     * threads; the task-clock sampler must register none (gperftools would
     * arm its own timer beside it). */
    if (wl_mode == WL_SAMPLER_THREAD_TIMERS)
        ProfilerRegisterThread();
    if (wl_mode == WL_SAMPLER_TASK_CLOCK) {
        pthread_mutex_lock(&wl_ev_lock);
        if (wl_ev_active)
            wl_ev_open((int)gettid()); /* a failure leaves it unsampled */
        pthread_mutex_unlock(&wl_ev_lock);
    }
    return st.fn(st.arg);
}

int pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *),
                   void *arg) {
    static wl_create_fn real;
    if (real == NULL) {
        void *sym = dlsym(RTLD_NEXT, "pthread_create");
        if (sym == NULL)
            return EAGAIN;
        memcpy(&real, &sym, sizeof real);
    }
    wl_start *st = malloc(sizeof *st);
    if (st == NULL)
        return EAGAIN;
    st->fn = fn;
    st->arg = arg;
    /* The comm is a short form; the full name is kept by tid. */
    wl_name_addr(st->name, sizeof st->name, st->comm, sizeof st->comm, wl_entry(fn, arg));
    int rc = real(t, attr, wl_trampoline, st);
    if (rc != 0)
        free(st);
    return rc;
}

const char *wl_threads_name(int tid) {
    int n = atomic_load(&wl_nnames);
    for (int i = 0; i < n && i < WL_THREADS_MAX; i++)
        if (atomic_load(&wl_names[i].tid) == tid)
            return wl_names[i].name;
    return NULL;
}

static int wl_read_file(const char *path, char *buf, size_t n) {
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    size_t k = fread(buf, 1, n - 1, f);
    buf[k] = '\0';
    fclose(f);
    return 0;
}

static int64_t wl_status_field(const char *status, const char *key) {
    const char *p = strstr(status, key);
    return p != NULL ? strtoll(p + strlen(key), NULL, 10) : -1;
}

int wl_threads_snap_take(wl_threads_snap *s) {
    s->n = 0;
    DIR *d = opendir("/proc/self/task");
    if (d == NULL)
        return 0;
    struct dirent *e;
    int self = (int)getpid();
    while ((e = readdir(d)) != NULL && s->n < WL_THREADS_MAX) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        wl_thread_stat *t = &s->t[s->n];
        char path[64], buf[2048];
        t->tid = atoi(e->d_name);
        snprintf(path, sizeof path, "/proc/self/task/%d/schedstat", t->tid);
        if (wl_read_file(path, buf, sizeof buf) != 0)
            continue;
        t->cpu_ns = strtoull(buf, NULL, 10);
        t->clock_ns = wl_ev_count(t->tid);
        snprintf(path, sizeof path, "/proc/self/task/%d/status", t->tid);
        if (wl_read_file(path, buf, sizeof buf) != 0)
            continue;
        t->voluntary = wl_status_field(buf, "\nvoluntary_ctxt_switches:");
        t->involuntary = wl_status_field(buf, "\nnonvoluntary_ctxt_switches:");
        const char *name = wl_threads_name(t->tid);
        if (name != NULL) {
            snprintf(t->name, sizeof t->name, "%s", name);
        } else if (t->tid == self) {
            snprintf(t->name, sizeof t->name, "main");
        } else {
            /* A thread this module did not start: its comm. */
            snprintf(path, sizeof path, "/proc/self/task/%d/comm", t->tid);
            if (wl_read_file(path, buf, sizeof buf) != 0)
                continue;
            buf[strcspn(buf, "\n")] = '\0';
            wl_copy(t->name, sizeof t->name, buf);
        }
        s->n++;
    }
    closedir(d);
    return s->n;
}

json_t *wl_threads_json(const wl_threads_snap *a, const wl_threads_snap *b) {
    json_t *arr = json_array();
    if (arr == NULL)
        return NULL;
    int self = (int)getpid();
    for (int i = 0; i < b->n; i++) {
        const wl_thread_stat *t1 = &b->t[i], *t0 = NULL;
        for (int j = 0; j < a->n && t0 == NULL; j++)
            if (a->t[j].tid == t1->tid)
                t0 = &a->t[j];
        uint64_t cpu0 = t0 != NULL ? t0->cpu_ns : 0;
        int64_t v0 = t0 != NULL ? t0->voluntary : 0, i0 = t0 != NULL ? t0->involuntary : 0;
        json_t *o = json_pack("{s:i, s:s, s:b, s:f, s:I, s:I, s:b}", "tid", t1->tid,
                              "name", t1->name, "main", t1->tid == self, "cpu_s",
                              (double)(t1->cpu_ns - cpu0) / 1e9, "voluntary",
                              (json_int_t)(t1->voluntary - v0), "involuntary",
                              (json_int_t)(t1->involuntary - i0), "started", t0 == NULL);
        if (o != NULL && t0 != NULL && t0->clock_ns >= 0 && t1->clock_ns >= 0 &&
            json_object_set_new(o, "task_clock_s",
                                json_real((double)(t1->clock_ns - t0->clock_ns) / 1e9)) != 0) {
            json_decref(o);
            o = NULL;
        }
        if (o == NULL || json_array_append_new(arr, o) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}
