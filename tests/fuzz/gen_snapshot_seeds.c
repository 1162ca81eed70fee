/* Writes the seed corpus of fuzz_snapshot (tests/fuzz/corpus/snapshot):
 * snapshots built with the request fixture's builder, packed as the control
 * plane sends them. Rebuild the seeds after a change to proto/portico.proto:
 *   tests/fuzz/run --seeds */
#include <stdio.h>
#include <stdlib.h>

#include "reqfixture.h"

static void write_seed(reqfix_snap_t *s, const char *dir, const char *name)
{
    size_t len = portico__snapshot__get_packed_size(s->snap);
    uint8_t *buf = malloc(len + 1);
    if (buf == NULL)
        abort();
    portico__snapshot__pack(s->snap, buf);
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
    free(buf);
    runtime_release(reqfix_snap_compile(s)); /* every seed compiles */
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "tests/fuzz/corpus/snapshot";
    reqfix_snap_t s;

    reqfix_snap_init(&s); /* one MOCK method, one stage */
    Portico__ApiDefinition *d = reqfix_snap_deployment(&s, "abcdefghij", "dep001");
    reqfix_snap_method(&s, d, "/pets", "GET", "[]");
    reqfix_snap_stage(&s, "abcdefghij", "prod", "dep001");
    write_seed(&s, dir, "mock");

    /* routes of every kind, a second stage, custom domains, a resource policy */
    reqfix_snap_method(&s, d, "/pets/{id}", "ANY", "{}");
    reqfix_snap_method(&s, d, "/files/{proxy+}", "GET", "{}");
    d->policy = "{\"Statement\": [{\"Effect\": \"Allow\", \"Principal\": \"*\", \"Action\": "
                "\"execute-api:Invoke\", \"Resource\": \"execute-api:/*\", \"Condition\": "
                "{\"IpAddress\": {\"aws:SourceIp\": [\"192.0.2.0/24\"]}}}]}";
    Portico__StageBinding *beta = reqfix_snap_stage(&s, "abcdefghij", "beta", "dep001");
    reqfix_snap_domain(&s, "api.example.com", "v1", "abcdefghij", "prod");
    reqfix_snap_domain(&s, "shop.example.com", "", "abcdefghij", "");
    write_seed(&s, dir, "routes");

    /* throttling, usage plans, quotas and API keys */
    Portico__MethodSetting *all = reqfix_snap_setting(&s, beta, "*", "*");
    all->throttling_burst_limit = 10;
    all->throttling_rate_limit = 5;
    reqfix_snap_setting(&s, beta, "/pets", "GET")->caching_enabled = 1;
    Portico__UsagePlan *p = reqfix_snap_plan(&s, "plan01", "abcdefghij", "prod");
    p->has_throttle = 1;
    p->burst_limit = 2;
    p->rate_limit = 1;
    p->has_quota = 1;
    p->quota_limit = 100;
    reqfix_snap_key(&s, "a-key-value-0123456789", "key0000001", "plan01");
    write_seed(&s, dir, "plans");
    reqfix_snap_dispose(&s);
    return 0;
}
