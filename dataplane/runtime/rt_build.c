/* rt_build: errors and cleanups shared by the compile steps. */
#include "rt_build.h"

#include <stdarg.h>
#include <stdio.h>

int rt_build_fail(rt_build_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->err, b->err_len, fmt, ap);
    va_end(ap);
    return -1;
}

int rt_build_cleanup(rt_build_t *b, void (*fn)(void *), void *arg)
{
    rt_cleanup_t *cl = arena_alloc(b->a, sizeof(*cl));
    if (cl == NULL) {
        fn(arg);
        return rt_build_fail(b, "out of memory");
    }
    *cl = (rt_cleanup_t){b->rt->cleanups, fn, arg};
    b->rt->cleanups = cl;
    return 0;
}

void rt_build_run_cleanups(runtime_t *rt)
{
    for (rt_cleanup_t *cl = rt->cleanups; cl != NULL; cl = cl->next)
        cl->fn(cl->arg);
}
