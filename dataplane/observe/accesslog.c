/* accesslog: the queue is a Treiber stack (workers push with one CAS, the
 * writer takes the whole stack with one exchange and reverses it), so a
 * worker never waits for the writer; a worker's own chunks keep their order.
 * The registry of destinations takes a mutex, but only when a snapshot is
 * compiled and when the writer opens a file. */
#include "accesslog.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "logfmt.h"

#define ACCESSLOG_WAKE_MS 50
#define ACCESSLOG_IDLE_CLOSE_MS 60000
#define ACCESSLOG_MAX_DESTS 4096

typedef struct accesslog_chunk {
    struct accesslog_chunk *next;
    int dest;
    size_t used;
    size_t lines;
    char data[ACCESSLOG_CHUNK];
} accesslog_chunk_t;

typedef struct {
    int fd; /* -1 when closed */
    uint64_t last_write_ms;
    int failed_logged;
} accesslog_file_t;

static struct {
    pthread_mutex_t mu; /* guards dests and ndests */
    char *dests[ACCESSLOG_MAX_DESTS];
    atomic_int ndests;
    _Atomic(accesslog_chunk_t *) queue;
    atomic_size_t queued;
    atomic_int reopen;
    atomic_int stopping;
    atomic_uint_fast64_t written, errors;
    pthread_t writer;
    int started;
    accesslog_file_t files[ACCESSLOG_MAX_DESTS]; /* the writer's */
    int dir_fd; /* --access-log-dir, -1 without one: file names are refused */
} accesslog = {.mu = PTHREAD_MUTEX_INITIALIZER, .dir_fd = -1};

/* ---- destinations ---------------------------------------------------------- */

static int accesslog_register(const char *dest);

int accesslog_set_dir(const char *dir, char *err, size_t err_len)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, err_len, "--access-log-dir %s: %s", dir, strerror(errno));
        return -1;
    }
    if (accesslog.dir_fd >= 0)
        close(accesslog.dir_fd);
    accesslog.dir_fd = fd;
    return 0;
}

int accesslog_dest_path(const char *path)
{
    if (strcmp(path, "stdout") != 0 && strcmp(path, "stderr") != 0 && !logfmt_path_valid(path))
        return -1;
    return accesslog_register(path);
}

int accesslog_dest(const char *dest)
{
    if (!logfmt_destination_valid(dest))
        return -1;
    return accesslog_register(dest);
}

static int accesslog_register(const char *dest)
{
    int id = -1;
    pthread_mutex_lock(&accesslog.mu);
    int n = atomic_load(&accesslog.ndests);
    for (int i = 0; i < n && id < 0; i++)
        if (strcmp(accesslog.dests[i], dest) == 0)
            id = i;
    if (id < 0 && n < ACCESSLOG_MAX_DESTS && (accesslog.dests[n] = strdup(dest)) != NULL) {
        id = n;
        atomic_store(&accesslog.ndests, n + 1);
    }
    pthread_mutex_unlock(&accesslog.mu);
    return id;
}

/* ---- workers ----------------------------------------------------------------- */

static void accesslog_push(accesslog_chunk_t *c)
{
    atomic_fetch_add_explicit(&accesslog.queued, sizeof(*c), memory_order_relaxed);
    accesslog_chunk_t *head = atomic_load_explicit(&accesslog.queue, memory_order_relaxed);
    do
        c->next = head;
    while (!atomic_compare_exchange_weak_explicit(&accesslog.queue, &head, c, memory_order_release,
                                                  memory_order_relaxed));
}

static void accesslog_drop(accesslog_buf_t *b)
{
    atomic_store_explicit(&b->dropped, atomic_load_explicit(&b->dropped, memory_order_relaxed) + 1,
                          memory_order_relaxed);
}

/* The open chunk for dest with room for n bytes, or NULL (the line is dropped). */
static accesslog_chunk_t *accesslog_chunk_for(accesslog_buf_t *b, int dest, size_t n)
{
    int slot = -1;
    for (int i = 0; i < ACCESSLOG_SLOTS && slot < 0; i++)
        if (b->open[i] != NULL && b->open[i]->dest == dest)
            slot = i;
    if (slot >= 0 && ACCESSLOG_CHUNK - b->open[slot]->used >= n)
        return b->open[slot];
    if (slot < 0) {
        for (int i = 0; i < ACCESSLOG_SLOTS && slot < 0; i++)
            if (b->open[i] == NULL)
                slot = i;
        if (slot < 0)
            slot = (int)(b->victim++ % ACCESSLOG_SLOTS);
    }
    if (b->open[slot] != NULL) {
        accesslog_push(b->open[slot]);
        b->open[slot] = NULL;
    }
    if (atomic_load_explicit(&accesslog.queued, memory_order_relaxed) > ACCESSLOG_MAX_QUEUED)
        return NULL;
    accesslog_chunk_t *c = malloc(sizeof(*c));
    if (c == NULL)
        return NULL;
    c->dest = dest;
    c->used = 0;
    c->lines = 0;
    b->open[slot] = c;
    return c;
}

void accesslog_write(accesslog_buf_t *b, int dest, const char *line, size_t len)
{
    if (len > ACCESSLOG_MAX_LINE - 1)
        len = ACCESSLOG_MAX_LINE - 1;
    accesslog_chunk_t *c = dest >= 0 ? accesslog_chunk_for(b, dest, len + 1) : NULL;
    if (c == NULL) {
        accesslog_drop(b);
        return;
    }
    memcpy(c->data + c->used, line, len);
    c->data[c->used + len] = '\n';
    c->used += len + 1;
    c->lines++;
}

void accesslog_flush(accesslog_buf_t *b)
{
    for (int i = 0; i < ACCESSLOG_SLOTS; i++) {
        if (b->open[i] != NULL && b->open[i]->used > 0) {
            accesslog_push(b->open[i]);
            b->open[i] = NULL;
        }
    }
}

void accesslog_reopen(void)
{
    atomic_store(&accesslog.reopen, 1);
}

uint64_t accesslog_lines_written(void)
{
    return atomic_load(&accesslog.written);
}

uint64_t accesslog_write_errors(void)
{
    return atomic_load(&accesslog.errors);
}

/* ---- the writer ---------------------------------------------------------------- */

static int accesslog_is_std(int fd)
{
    return fd == STDOUT_FILENO || fd == STDERR_FILENO;
}

static void accesslog_close(accesslog_file_t *f)
{
    if (f->fd >= 0 && !accesslog_is_std(f->fd))
        close(f->fd);
    f->fd = -1;
}

/* An operator's absolute path as given; a stage's file name only inside
 * --access-log-dir, never through a symbolic link. */
static int accesslog_open_file(const char *path)
{
    if (path[0] == '/')
        return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (accesslog.dir_fd < 0) {
        errno = EACCES; /* no --access-log-dir: file destinations are refused */
        return -1;
    }
    return openat(accesslog.dir_fd, path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
                  0640);
}

static int accesslog_open(int dest)
{
    accesslog_file_t *f = &accesslog.files[dest];
    if (f->fd >= 0)
        return f->fd;
    pthread_mutex_lock(&accesslog.mu);
    const char *path = accesslog.dests[dest];
    pthread_mutex_unlock(&accesslog.mu);
    if (strcmp(path, "stdout") == 0)
        return f->fd = STDOUT_FILENO;
    if (strcmp(path, "stderr") == 0)
        return f->fd = STDERR_FILENO;
    f->fd = accesslog_open_file(path);
    if (f->fd < 0 && !f->failed_logged) {
        log_error("access log %s: %s (lines for it are dropped until it can be opened)", path,
                  strerror(errno));
        f->failed_logged = 1;
    } else if (f->fd >= 0) {
        f->failed_logged = 0;
    }
    return f->fd;
}

static void accesslog_write_chunk(accesslog_chunk_t *c)
{
    int fd = accesslog_open(c->dest);
    size_t off = 0, lines = c->lines;
    while (fd >= 0 && off < c->used) {
        ssize_t n = write(fd, c->data + off, c->used - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            log_error("access log %s: %s", accesslog.dests[c->dest], strerror(errno));
            accesslog_close(&accesslog.files[c->dest]);
            break;
        }
        off += (size_t)n;
    }
    if (off == c->used) {
        atomic_fetch_add(&accesslog.written, lines);
        accesslog.files[c->dest].last_write_ms = clock_mono_ms();
    } else {
        atomic_fetch_add(&accesslog.errors, lines);
    }
}

/* Everything queued, oldest first. */
static void accesslog_drain(void)
{
    accesslog_chunk_t *c = atomic_exchange_explicit(&accesslog.queue, NULL, memory_order_acquire);
    accesslog_chunk_t *ordered = NULL;
    while (c != NULL) {
        accesslog_chunk_t *next = c->next;
        c->next = ordered;
        ordered = c;
        c = next;
    }
    while (ordered != NULL) {
        accesslog_chunk_t *next = ordered->next;
        accesslog_write_chunk(ordered);
        atomic_fetch_sub_explicit(&accesslog.queued, sizeof(*ordered), memory_order_relaxed);
        free(ordered);
        ordered = next;
    }
}

static void accesslog_close_files(int idle_only)
{
    uint64_t now = clock_mono_ms();
    int n = atomic_load(&accesslog.ndests);
    for (int i = 0; i < n; i++) {
        accesslog_file_t *f = &accesslog.files[i];
        if (!idle_only || now - f->last_write_ms > ACCESSLOG_IDLE_CLOSE_MS)
            accesslog_close(f);
        if (!idle_only)
            f->failed_logged = 0;
    }
}

static void *accesslog_main(void *arg)
{
    (void)arg;
    const struct timespec wake = {0, ACCESSLOG_WAKE_MS * 1000000L};
    while (!atomic_load(&accesslog.stopping)) {
        nanosleep(&wake, NULL);
        if (atomic_exchange(&accesslog.reopen, 0))
            accesslog_close_files(0);
        accesslog_drain();
        accesslog_close_files(1);
    }
    accesslog_drain();
    accesslog_close_files(0);
    return NULL;
}

int accesslog_start(char *err, size_t err_len)
{
    for (int i = 0; i < ACCESSLOG_MAX_DESTS; i++)
        accesslog.files[i].fd = -1;
    if (pthread_create(&accesslog.writer, NULL, accesslog_main, NULL) != 0) {
        snprintf(err, err_len, "cannot start the access log writer");
        return -1;
    }
    accesslog.started = 1;
    return 0;
}

void accesslog_stop(void)
{
    if (!accesslog.started)
        return;
    atomic_store(&accesslog.stopping, 1);
    pthread_join(accesslog.writer, NULL);
    accesslog.started = 0;
    pthread_mutex_lock(&accesslog.mu);
    for (int i = 0; i < atomic_load(&accesslog.ndests); i++) {
        free(accesslog.dests[i]);
        accesslog.dests[i] = NULL;
    }
    atomic_store(&accesslog.ndests, 0);
    pthread_mutex_unlock(&accesslog.mu);
}
