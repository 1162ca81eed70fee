/* fn_conf: function versions and aliases in the runtime (see fn_conf.h). */
#include "fn_conf.h"
#include "fnenv.h"

#include <stdio.h>
#include <string.h>

static const char *const fn_runtimes[] = {"provided.al2023", "provided", "nodejs20.x",
                                          "nodejs22.x"};

int fn_conf_name_ok(const char *s, size_t len)
{
    if (len == 0 || len > 64)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return 0;
    }
    return 1;
}

static int printable(const char *s, size_t max)
{
    size_t len = strlen(s);
    if (len == 0 || len > max)
        return 0;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return 1;
}

static int env_name_ok(const char *k)
{
    if (!((k[0] >= 'a' && k[0] <= 'z') || (k[0] >= 'A' && k[0] <= 'Z')))
        return 0;
    for (const char *p = k; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_'))
            return 0;
    return !fnenv_reserved(k);
}

static int version_ok(const char *v)
{
    if (strcmp(v, "$LATEST") == 0)
        return 1;
    size_t n = strspn(v, "0123456789");
    return n > 0 && n < 20 && v[n] == '\0' && v[0] != '0';
}

static int check(rt_build_t *b, const Portico__FunctionVersion *f)
{
    const char *name = f->name;
    int known = 0;
    for (size_t i = 0; i < sizeof(fn_runtimes) / sizeof(*fn_runtimes); i++)
        known |= strcmp(f->runtime, fn_runtimes[i]) == 0;
    if (!fn_conf_name_ok(name, strlen(name)))
        return rt_build_fail(b, "a function has an invalid name");
    if (!version_ok(f->version))
        return rt_build_fail(b, "function %s has an invalid version", name);
    if (!printable(f->arn, 256) || strncmp(f->arn, "arn:", 4) != 0)
        return rt_build_fail(b, "function %s has an invalid ARN", name);
    if (f->remote_endpoint[0] == '\0' && !known)
        return rt_build_fail(b, "function %s has an unknown runtime", name);
    if (f->remote_endpoint[0] == '\0' && !printable(f->handler, 128))
        return rt_build_fail(b, "function %s has an invalid handler", name);
    if (f->timeout_s < 1 || f->timeout_s > 900 || f->memory_mb < 128 || f->memory_mb > 10240)
        return rt_build_fail(b, "function %s has an invalid timeout or memory size", name);
    if (f->remote_endpoint[0] == '\0' && f->code_sha256.len != 32)
        return rt_build_fail(b, "function %s has no code hash", name);
    if (f->remote_endpoint[0] != '\0' && strncmp(f->remote_endpoint, "http://", 7) != 0 &&
        strncmp(f->remote_endpoint, "https://", 8) != 0)
        return rt_build_fail(b, "function %s has an invalid remote endpoint", name);
    for (size_t i = 0; i < f->n_environment; i++)
        if (!env_name_ok(f->environment[i]->key) || strlen(f->environment[i]->value) > 4096)
            return rt_build_fail(b, "function %s has an invalid environment variable", name);
    return 0;
}

static int put(rt_build_t *b, strmap_t *m, const char *name, const char *qual, fn_entry_t *e)
{
    char key[256];
    int n = snprintf(key, sizeof(key), "%s\n%s", name, qual);
    if (n < 0 || (size_t)n >= sizeof(key))
        return rt_build_fail(b, "function %s: qualifier too long", name);
    if (strmap_get(m, key, (size_t)n) != NULL)
        return rt_build_fail(b, "function %s:%s appears twice", name, qual);
    char *k = arena_strndup(b->a, key, (size_t)n);
    return strmap_put(m, k, (size_t)n, e) == 0 ? 0 : rt_build_fail(b, "out of memory");
}

static fn_entry_t *entry(rt_build_t *b, const Portico__FunctionVersion *f)
{
    fn_entry_t *e = arena_alloc(b->a, sizeof(*e));
    memset(e, 0, sizeof(*e));
    fn_config_t *c = &e->cfg;
    c->name = f->name, c->version = f->version, c->arn = f->arn, c->runtime = f->runtime;
    c->handler = f->handler, c->revision_id = f->revision_id;
    c->timeout_s = f->timeout_s, c->memory_mb = f->memory_mb;
    c->reserved_concurrency = f->reserved_concurrency;
    if (f->code_sha256.len == 32)
        memcpy(c->code_sha256, f->code_sha256.data, 32);
    c->env = arena_alloc(b->a, sizeof(char *) * (f->n_environment + 1));
    for (size_t i = 0; i < f->n_environment; i++) {
        size_t kl = strlen(f->environment[i]->key), vl = strlen(f->environment[i]->value);
        char *s = arena_alloc(b->a, kl + vl + 2);
        memcpy(s, f->environment[i]->key, kl);
        s[kl] = '=';
        memcpy(s + kl + 1, f->environment[i]->value, vl + 1);
        c->env[i] = s;
    }
    c->env[f->n_environment] = NULL;
    e->remote_endpoint = f->remote_endpoint[0] != '\0' ? f->remote_endpoint : NULL;
    char key[1024];
    if (fn_config_key(c, key, sizeof(key)) == 0)
        e->key = arena_strdup(b->a, key);
    return e->key != NULL ? e : NULL;
}

int fn_conf_compile(rt_build_t *b, const Portico__Snapshot *snap)
{
    runtime_t *rt = b->rt;
    rt->functions = strmap_create(b->a, snap->n_functions + snap->n_function_aliases);
    rt->function_keys = arena_alloc(b->a, sizeof(char *) * (snap->n_functions + 1));
    rt->nfunctions = 0;
    for (size_t i = 0; i < snap->n_functions; i++) {
        const Portico__FunctionVersion *f = snap->functions[i];
        if (check(b, f) != 0)
            return -1;
        fn_entry_t *e = entry(b, f);
        if (e == NULL)
            return rt_build_fail(b, "function %s: overlong identity", f->name);
        if (put(b, rt->functions, f->name, f->version, e) != 0)
            return -1;
        rt->function_keys[rt->nfunctions++] = (char *)e->key;
    }
    for (size_t i = 0; i < snap->n_function_aliases; i++) {
        const Portico__FunctionAlias *a = snap->function_aliases[i];
        char key[256];
        int n = snprintf(key, sizeof(key), "%s\n%s", a->function_name, a->function_version);
        fn_entry_t *e =
            n > 0 && (size_t)n < sizeof(key) ? strmap_get(rt->functions, key, (size_t)n) : NULL;
        if (e == NULL || !fn_conf_name_ok(a->name, strlen(a->name)) || version_ok(a->name))
            return rt_build_fail(b, "alias %s of function %s names no version", a->name,
                                 a->function_name);
        if (put(b, rt->functions, a->function_name, a->name, e) != 0)
            return -1;
    }
    return 0;
}

const fn_entry_t *fn_conf_resolve(const runtime_t *rt, const char *ref)
{
    if (rt == NULL || rt->functions == NULL || ref == NULL)
        return NULL;
    const char *name = ref, *arn_prefix = NULL;
    size_t prefix_len = 0;
    if (strncmp(ref, "arn:", 4) == 0) {
        /* arn:aws:lambda:region:account:function:name[:qualifier] */
        const char *p = ref;
        for (int i = 0; i < 6 && p != NULL; i++)
            p = strchr(p, ':') != NULL ? strchr(p, ':') + 1 : NULL;
        if (p == NULL)
            return NULL;
        if (strncmp(p - 9, "function:", 9) != 0)
            return NULL;
        arn_prefix = ref;
        prefix_len = (size_t)(p - ref);
        name = p;
    }
    const char *colon = strchr(name, ':');
    size_t name_len = colon != NULL ? (size_t)(colon - name) : strlen(name);
    const char *qual = colon != NULL ? colon + 1 : "$LATEST";
    if (!fn_conf_name_ok(name, name_len) || qual[0] == '\0' || strchr(qual, ':') != NULL ||
        strchr(qual, '\n') != NULL)
        return NULL;
    char key[256];
    int n = snprintf(key, sizeof(key), "%.*s\n%s", (int)name_len, name, qual);
    if (n < 0 || (size_t)n >= sizeof(key))
        return NULL;
    const fn_entry_t *e = strmap_get(rt->functions, key, (size_t)n);
    if (e != NULL && arn_prefix != NULL &&
        (strncmp(e->cfg.arn, arn_prefix, prefix_len) != 0 ||
         strncmp(e->cfg.arn + prefix_len, name, name_len) != 0 ||
         e->cfg.arn[prefix_len + name_len] != '\0'))
        return NULL; /* another region or account */
    return e;
}

char **fn_conf_keys(const runtime_t *rt, size_t *n)
{
    *n = rt->nfunctions;
    return rt->function_keys;
}
