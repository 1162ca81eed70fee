/* libFuzzer target: snapshot decoding plus runtime compilation — the bytes
 * a data plane accepts from the control plane after the envelope's checks.
 * A snapshot that compiles is then looked up the way requests do (each
 * stage by its name, its router with a few paths, custom domains) and
 * compiled again on top of itself, as the next snapshot is (limiter state
 * carried over), before both are released. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "router.h"
#include "runtime.h"

static const char *const paths[] = {"/", "/pets", "/pets/7", "/a/b/c/d", ""};
static const char *const verbs[] = {"GET", "POST", "DELETE"};

static void look_up(const runtime_t *rt)
{
    for (size_t i = 0; i < rt->nstages; i++) {
        const rt_stage_t *s = rt->stage_list[i];
        const rt_stage_t *again =
            runtime_stage(rt, s->api_id, strlen(s->api_id), s->name, strlen(s->name));
        if (again != s)
            abort(); /* a stage that cannot be found by its own name */
        for (size_t p = 0; p < sizeof(paths) / sizeof(paths[0]); p++)
            for (size_t v = 0; v < sizeof(verbs) / sizeof(verbs[0]); v++) {
                router_match_t m;
                router_match(s->deployment->router, verbs[v], strlen(verbs[v]), paths[p],
                             strlen(paths[p]), &m);
            }
        runtime_domain(rt, s->api_id, strlen(s->api_id));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    runtime_t *rt = runtime_compile(data, size, err, sizeof(err));
    if (rt == NULL)
        return 0;
    look_up(rt);
    runtime_t *next = runtime_compile_from(data, size, rt, err, sizeof(err));
    if (next == NULL)
        abort(); /* the same bytes compiled once */
    look_up(next);
    runtime_release(next);
    runtime_release(rt);
    return 0;
}
