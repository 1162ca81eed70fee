/* admin_testinvoke_http: libcurl easy interface; headers that are not
 * valid HTTP are refused before anything is sent. */
#include "admin_testinvoke_http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpval.h"

#define TI_HTTP_MAX_ANSWER (10 * 1024 * 1024)

static size_t ti_on_data(char *p, size_t size, size_t n, void *ud)
{
    ti_http_res_t *res = ud;
    size_t len = size * n;
    if (res->body_len + len > TI_HTTP_MAX_ANSWER)
        return 0; /* curl stops with CURLE_WRITE_ERROR */
    char *bigger = realloc(res->body, res->body_len + len + 1);
    if (bigger == NULL)
        return 0;
    memcpy(bigger + res->body_len, p, len);
    res->body = bigger;
    res->body_len += len;
    res->body[res->body_len] = '\0';
    return len;
}

static size_t ti_on_header(char *p, size_t size, size_t n, void *ud)
{
    ti_http_res_t *res = ud;
    size_t len = size * n;
    const char *colon = memchr(p, ':', len);
    if (colon == NULL || colon == p)
        return len; /* the status line, or the blank line */
    size_t vlen = len - (size_t)(colon + 1 - p);
    const char *v = colon + 1;
    while (vlen > 0 && (*v == ' ' || *v == '\t'))
        v++, vlen--;
    while (vlen > 0 && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' '))
        vlen--;
    char name[256];
    size_t nlen = (size_t)(colon - p);
    if (nlen < sizeof(name)) {
        memcpy(name, p, nlen);
        name[nlen] = '\0';
        json_object_set_new(res->headers, name, json_stringn(v, vlen));
    }
    return len;
}

static struct curl_slist *ti_headers(json_t *headers, char *err, size_t err_len)
{
    struct curl_slist *list = curl_slist_append(NULL, "Expect:");
    const char *k;
    json_t *v;
    json_object_foreach(headers, k, v)
    {
        const char *s = json_string_value(v);
        char line[8192];
        if (s == NULL || httpval_header(k, strlen(k), s, strlen(s)) != 0 ||
            snprintf(line, sizeof(line), "%s: %s", k, s) >= (int)sizeof(line)) {
            snprintf(err, err_len, "the request header %s is not valid HTTP", k);
            curl_slist_free_all(list);
            return NULL;
        }
        list = curl_slist_append(list, line);
    }
    return list;
}

int ti_http_call(const ti_http_req_t *req, ti_http_res_t *res, char *err, size_t err_len)
{
    *res = (ti_http_res_t){.headers = json_object()};
    struct curl_slist *hs = ti_headers(req->headers, err, err_len);
    CURL *curl = hs != NULL ? curl_easy_init() : NULL;
    if (curl == NULL) {
        if (hs != NULL)
            snprintf(err, err_len, "out of memory");
        curl_slist_free_all(hs);
        ti_http_res_dispose(res);
        return -1;
    }
    curl_easy_setopt(curl, CURLOPT_URL, req->url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, req->timeout_ms);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, req->method);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hs);
    if (req->body != NULL) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, req->body);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    }
    if (strcmp(req->method, "HEAD") == 0)
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, ti_on_data);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, res);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, ti_on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, res);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "portico-cp test-invoke");
    CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(curl);
    curl_slist_free_all(hs);
    if (rc != CURLE_OK) {
        snprintf(err, err_len, "%s",
                 rc == CURLE_OPERATION_TIMEDOUT ? "Endpoint request timed out"
                                                : curl_easy_strerror(rc));
        ti_http_res_dispose(res);
        return -1;
    }
    res->status = (int)status;
    if (res->body == NULL)
        res->body = strdup("");
    return 0;
}

void ti_http_res_dispose(ti_http_res_t *res)
{
    json_decref(res->headers);
    free(res->body);
    *res = (ti_http_res_t){0};
}

void ti_http_global_init(void)
{
    static int done; /* the admin loop's */
    if (!done)
        curl_global_init(CURL_GLOBAL_DEFAULT);
    done = 1;
}
