/* Unit tests for common/arena.h: the bump allocator and its protobuf-c allocator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arena.h"
#include "portico.pb-c.h"

/* ---- helpers ------------------------------------------------------------ */

static int setup_arena(void **state)
{
    *state = arena_create(4096);
    return *state != NULL ? 0 : -1;
}

static int teardown_arena(void **state)
{
    arena_destroy(*state);
    return 0;
}

static void expect_aligned(const void *p)
{
    if ((uintptr_t)p % 16 != 0)
        fail_msg("%p is not 16-byte aligned", p);
}

static void expect_bytes(const unsigned char *p, size_t len, unsigned char want)
{
    for (size_t i = 0; i < len; i++)
        if (p[i] != want)
            fail_msg("byte %zu of a %zu-byte block is 0x%02x, want 0x%02x", i, len, p[i], want);
}

static void expect_zero(const unsigned char *p, size_t len)
{
    expect_bytes(p, len, 0);
}

/* Leaves dirty memory in the malloc free lists, so that zeroing is tested
 * even where fresh pages would be zero anyway. */
static void dirty_the_heap(void)
{
    enum { N = 16, SIZE = 64 * 1024 };
    void *blocks[N];
    for (int i = 0; i < N; i++) {
        blocks[i] = malloc(SIZE);
        assert_non_null(blocks[i]);
        memset(blocks[i], 0xab, SIZE);
    }
    for (int i = 0; i < N; i++)
        free(blocks[i]);
}

/* Runs fn in a child process with default signal handling, so that a crash or
 * a sanitizer report fails this case rather than ending the whole run. Returns
 * 0 when the child exited 0. */
static int run_isolated(int (*fn)(void))
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        static const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
        for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
            signal(sigs[i], SIG_DFL);
        _exit(fn());
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status))
        print_error("child killed by signal %d\n", WTERMSIG(status));
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* ---- cases -------------------------------------------------------------- */

static void allocations_are_aligned(void **state)
{
    static const size_t sizes[] = {1, 3, 7, 8, 15, 16, 17, 31, 33, 100, 1000, 5000, 0};
    for (int round = 0; round < 50; round++)
        for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
            expect_aligned(arena_alloc(*state, sizes[i]));
    expect_aligned(arena_strdup(*state, "x"));
    expect_aligned(arena_memdup(*state, "abc", 3));
}

static void allocations_are_zeroed(void **state)
{
    dirty_the_heap();
    arena_t *a = arena_create(8192);
    for (size_t size = 1; size < 3000; size += 37) {
        unsigned char *p = arena_alloc(a, size);
        assert_non_null(p);
        expect_zero(p, size);
        memset(p, 0xcd, size); /* the next allocation must not see this */
    }
    unsigned char *big = arena_alloc(a, 100000);
    assert_non_null(big);
    expect_zero(big, 100000);
    arena_destroy(a);
}

static void allocations_do_not_overlap(void **state)
{
    enum { N = 4000 };
    static unsigned char *blocks[N];
    for (int i = 0; i < N; i++) {
        size_t size = 1 + (size_t)(i * 7) % 200;
        blocks[i] = arena_alloc(*state, size);
        assert_non_null(blocks[i]);
        memset(blocks[i], i & 0xff, size);
    }
    for (int i = 0; i < N; i++) {
        size_t size = 1 + (size_t)(i * 7) % 200;
        for (size_t k = 0; k < size; k++)
            if (blocks[i][k] != (unsigned char)(i & 0xff))
                fail_msg("block %d byte %zu was overwritten", i, k);
    }
}

static void big_allocations(void **state)
{
    arena_t *a = *state;
    unsigned char *small = arena_alloc(a, 32);
    memset(small, 0x11, 32);
    size_t used = arena_used(a);
    unsigned char *big = arena_alloc(a, 1 << 20); /* far beyond the 4 KiB chunk */
    assert_non_null(big);
    expect_aligned(big);
    expect_zero(big, 1 << 20);
    memset(big, 0x5a, 1 << 20);
    assert_int_equal(arena_used(a), used + (1 << 20));
    /* earlier and later allocations are unaffected */
    unsigned char *after = arena_alloc(a, 64);
    assert_non_null(after);
    expect_zero(after, 64);
    expect_bytes(small, 32, 0x11);
    unsigned char *bigger = arena_alloc(a, 3 << 20);
    assert_non_null(bigger);
    expect_zero(bigger, 3 << 20);
    expect_bytes(big, 1 << 20, 0x5a);
}

static void used_counts_rounded_bytes(void **state)
{
    arena_t *a = *state;
    assert_int_equal(arena_used(a), 0);
    arena_alloc(a, 1);
    assert_int_equal(arena_used(a), 16);
    arena_alloc(a, 16);
    assert_int_equal(arena_used(a), 32);
    arena_alloc(a, 17);
    assert_int_equal(arena_used(a), 64);
    arena_strdup(a, "abc"); /* 4 bytes with the NUL */
    assert_int_equal(arena_used(a), 80);
}

static void string_copies(void **state)
{
    arena_t *a = *state;
    const char *src = "hello, arena";
    char *dup = arena_strdup(a, src);
    assert_non_null(dup);
    assert_ptr_not_equal(dup, src);
    assert_string_equal(dup, src);
    char *part = arena_strndup(a, src, 5);
    assert_string_equal(part, "hello");
    char *empty = arena_strndup(a, src, 0);
    assert_string_equal(empty, "");
    /* strndup copies exactly len bytes, even past a NUL */
    char *with_nul = arena_strndup(a, "a\0b", 3);
    assert_memory_equal(with_nul, "a\0b", 4);
}

static void memdup_copies(void **state)
{
    arena_t *a = *state;
    static const unsigned char bytes[] = {0, 1, 2, 0xff, 0, 7};
    unsigned char *dup = arena_memdup(a, bytes, sizeof(bytes));
    assert_non_null(dup);
    assert_memory_equal(dup, bytes, sizeof(bytes));
    /* zero bytes still give a distinct, usable pointer */
    void *none = arena_memdup(a, bytes, 0);
    assert_non_null(none);
    assert_ptr_not_equal(none, dup);
}

static void protobuf_allocator(void **state)
{
    arena_t *a = *state;
    Portico__KeyValue kv = PORTICO__KEY_VALUE__INIT;
    Portico__KeyValue *kvs[] = {&kv};
    Portico__StageBinding stage = PORTICO__STAGE_BINDING__INIT;
    Portico__StageBinding *stages[] = {&stage};
    Portico__Snapshot snap = PORTICO__SNAPSHOT__INIT;
    kv.key = "backend";
    kv.value = "http://10.0.0.1:8080";
    stage.api_id = "api1";
    stage.stage_name = "prod";
    stage.deployment_id = "dep1";
    stage.n_variables = 1;
    stage.variables = kvs;
    snap.version = 7;
    snap.store_id = "store";
    snap.n_stages = 1;
    snap.stages = stages;
    size_t len = portico__snapshot__get_packed_size(&snap);
    uint8_t *buf = malloc(len);
    assert_non_null(buf);
    portico__snapshot__pack(&snap, buf);

    ProtobufCAllocator alloc = arena_protobuf_allocator(a);
    Portico__Snapshot *out = portico__snapshot__unpack(&alloc, len, buf);
    free(buf);
    assert_non_null(out);
    assert_true(arena_used(a) > 0);
    assert_int_equal(out->version, 7);
    assert_string_equal(out->store_id, "store");
    assert_int_equal(out->n_stages, 1);
    assert_string_equal(out->stages[0]->stage_name, "prod");
    assert_string_equal(out->stages[0]->variables[0]->value, "http://10.0.0.1:8080");
    /* freeing through the allocator is a no-op; the arena owns everything */
    portico__snapshot__free_unpacked(out, &alloc);
}

static void tiny_chunk_size_is_usable(void **state)
{
    arena_t *a = arena_create(1);
    assert_non_null(a);
    for (int i = 0; i < 100; i++)
        assert_non_null(arena_alloc(a, 1000));
    arena_destroy(a);
    arena_destroy(NULL);
}

static int alloc_near_size_max(void)
{
    arena_t *a = arena_create(4096);
    /* rounds up to SIZE_MAX - 15 without overflowing, but adding the chunk
     * header to it does */
    void *p = arena_alloc(a, SIZE_MAX - 20);
    arena_destroy(a);
    return p == NULL ? 0 : 1;
}

static void impossible_sizes_return_null(void **state)
{
    assert_null(arena_alloc(*state, SIZE_MAX));
    assert_null(arena_alloc(*state, SIZE_MAX - 3));
    if (run_isolated(alloc_near_size_max) != 0)
        fail_msg("arena_alloc(a, SIZE_MAX - 20) crashed or returned memory; want NULL");
}

#define ARENA_CASE(f) cmocka_unit_test_setup_teardown(f, setup_arena, teardown_arena)

int main(void)
{
    static const struct CMUnitTest tests[] = {
        ARENA_CASE(allocations_are_aligned),
        cmocka_unit_test(allocations_are_zeroed),
        ARENA_CASE(allocations_do_not_overlap),
        ARENA_CASE(big_allocations),
        ARENA_CASE(used_counts_rounded_bytes),
        ARENA_CASE(string_copies),
        ARENA_CASE(memdup_copies),
        ARENA_CASE(protobuf_allocator),
        cmocka_unit_test(tiny_chunk_size_is_usable),
        ARENA_CASE(impossible_sizes_return_null),
    };
    return cmocka_run_group_tests_name("arena", tests, NULL, NULL);
}
