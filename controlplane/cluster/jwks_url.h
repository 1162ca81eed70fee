/* jwks_url: which URLs the control plane fetches JWT keys from. A URL is
 * parsed by libcurl's own URL parser (curl_url), the one that decides where
 * the transfer goes, so the check and the fetch cannot read it differently
 * ("http://127.0.0.1:1@evil.example/" is evil.example to both). Allowed:
 * https to any host; http only to a loopback address (127.0.0.0/8, ::1,
 * localhost). Never user information, a fragment, or another scheme. */
#ifndef PORTICO_JWKS_URL_H
#define PORTICO_JWKS_URL_H

/* 1 when url may be fetched, else 0. Any thread. */
int jwks_url_allowed(const char *url);

#endif
