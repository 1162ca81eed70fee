/* accesslog: line-oriented log files written off the event loops. Workers
 * append lines to chunks they own (no lock, no system call); full chunks and,
 * every tick, partly filled ones go to a lock-free queue; one writer thread
 * writes them out. Destinations are "stdout" / "stderr", a stage's file name
 * resolved inside --access-log-dir (O_NOFOLLOW; refused without the option)
 * or an operator's absolute path (--execution-log); files are opened O_APPEND
 * on first use, closed after a minute unused and on accesslog_reopen for log
 * rotation. When the writer falls behind by
 * ACCESSLOG_MAX_QUEUED bytes, workers drop lines and count them rather than
 * wait. One writer per process: the module's state is process-wide. */
#ifndef PORTICO_ACCESSLOG_H
#define PORTICO_ACCESSLOG_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define ACCESSLOG_CHUNK (64 * 1024)
#define ACCESSLOG_MAX_LINE (16 * 1024)
#define ACCESSLOG_MAX_QUEUED ((size_t)64 * 1024 * 1024)
#define ACCESSLOG_SLOTS 4 /* destinations a worker fills at once */

struct accesslog_chunk;

/* A worker's open chunks; owned by that worker, except `dropped`. */
typedef struct {
    struct accesslog_chunk *open[ACCESSLOG_SLOTS];
    unsigned victim;
    atomic_uint_fast64_t dropped; /* lines refused: writer behind or line unwritable */
} accesslog_buf_t;

/* The id of a destination (registered on first use; ids stay valid for the
 * process's life). Any thread. -1 for an invalid destination
 * (logfmt_destination_valid). */
int accesslog_dest(const char *dest);
/* Likewise for an operator's option: also an absolute path (logfmt_path_valid). */
int accesslog_dest_path(const char *path);
/* The directory stages' file destinations are created in (before
 * accesslog_start). 0, or -1 with a reason in err. */
int accesslog_set_dir(const char *dir, char *err, size_t err_len);

/* Starts the writer thread. */
int accesslog_start(char *err, size_t err_len);
/* Writes everything queued, closes the files and joins the writer. Call
 * after the workers have flushed. */
void accesslog_stop(void);

/* Appends one line (a '\n' is added; longer lines are cut to ACCESSLOG_MAX_LINE). Worker only. */
void accesslog_write(accesslog_buf_t *b, int dest, const char *line, size_t len);
/* Hands the worker's partly filled chunks to the writer. Worker only. */
void accesslog_flush(accesslog_buf_t *b);

/* Asks the writer to reopen every file before its next write (SIGHUP). Any thread. */
void accesslog_reopen(void);

/* Lines written and write failures so far (the writer's counters). */
uint64_t accesslog_lines_written(void);
uint64_t accesslog_write_errors(void);

#endif
