/* jwks_url: curl_url parts, then a plain comparison of the host part. */
#include "jwks_url.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int host_is_loopback(const char *host)
{
    struct in_addr v4;
    struct in6_addr v6;
    char bare[64];
    size_t len = strlen(host);
    if (strcasecmp(host, "localhost") == 0)
        return 1;
    if (inet_pton(AF_INET, host, &v4) == 1)
        return (ntohl(v4.s_addr) >> 24) == 127;
    if (len > 2 && len < sizeof(bare) && host[0] == '[' && host[len - 1] == ']') {
        memcpy(bare, host + 1, len - 2);
        bare[len - 2] = '\0';
        return inet_pton(AF_INET6, bare, &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
    }
    return 0;
}

/* The part, or NULL when the URL has none. */
static char *url_part(CURLU *u, CURLUPart what)
{
    char *part = NULL;
    if (curl_url_get(u, what, &part, 0) != CURLUE_OK)
        return NULL;
    return part;
}

int jwks_url_allowed(const char *url)
{
    CURLU *u = curl_url();
    int ok = 0;
    if (u == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
        goto out;
    char *scheme = url_part(u, CURLUPART_SCHEME), *host = url_part(u, CURLUPART_HOST);
    char *user = url_part(u, CURLUPART_USER), *password = url_part(u, CURLUPART_PASSWORD);
    char *fragment = url_part(u, CURLUPART_FRAGMENT);
    if (scheme != NULL && host != NULL && host[0] != '\0' && user == NULL && password == NULL &&
        fragment == NULL)
        ok = strcasecmp(scheme, "https") == 0 ||
             (strcasecmp(scheme, "http") == 0 && host_is_loopback(host));
    curl_free(scheme);
    curl_free(host);
    curl_free(user);
    curl_free(password);
    curl_free(fragment);
out:
    curl_url_cleanup(u);
    return ok;
}
