/* admin_function_int: what the admin_function*.c files share — the Lambda
 * error shape ({"Type": "User", "Message": ...} with x-amzn-ErrorType),
 * function references (name, ARN, partial ARN, "name:qualifier"), ARNs,
 * configuration checks and the stored document's form. Not for other modules. */
#ifndef PORTICO_ADMIN_FUNCTION_INT_H
#define PORTICO_ADMIN_FUNCTION_INT_H

#include "admin.h"
#include "store_function.h"

#define FN_ACCOUNT_ID "000000000000" /* the account of every ARN Portico answers */
#define FN_NAME_MAX 64
#define FN_QUALIFIER_MAX 128
/* The Portico extension: a function that lives elsewhere names the base URL of
 * a Lambda Invoke API in this tag at CreateFunction; the stored document
 * keeps it under FN_DOC_REMOTE, which no answer shows. */
#define FN_TAG_REMOTE "portico:remote-endpoint"
#define FN_DOC_REMOTE STORE_FN_DOC_REMOTE

void fn_fail(admin_call_t *c, int status, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
#define fn_invalid(c, ...) fn_fail((c), 400, "InvalidParameterValueException", __VA_ARGS__)
#define fn_validation(c, ...) fn_fail((c), 400, "ValidationException", __VA_ARGS__)
#define fn_not_found(c, ...) fn_fail((c), 404, "ResourceNotFoundException", __VA_ARGS__)
#define fn_conflict(c, ...) fn_fail((c), 409, "ResourceConflictException", __VA_ARGS__)
/* A store error: ENOTFOUND → 404 with "Function not found: ARN", else admin_store_fail. */
void fn_store_fail(admin_call_t *c, int rc, const char *name, const char *qualifier);

typedef struct {
    char name[FN_NAME_MAX + 1];
    char qualifier[FN_QUALIFIER_MAX + 1]; /* "" when none */
} fn_ref_t;

/* The {FunctionName} path argument (and ?Qualifier= when query_qualifier):
 * replies 400 and returns -1 when malformed or the two qualifiers differ. */
int fn_ref(admin_call_t *c, const char *raw, int query_qualifier, fn_ref_t *out);
/* The same for the function itself: a qualifier is refused. */
int fn_ref_unqualified(admin_call_t *c, fn_ref_t *out);
/* 1 when s is a version ("$LATEST" or a decimal number without sign). */
int fn_is_version(const char *s);
/* 0 when s is an alias name; else replies 400. */
int fn_check_alias_name(admin_call_t *c, const char *s);
/* The version a qualifier stands for ("" → $LATEST, an alias → its version)
 * into out; replies 404 and returns -1 when the function or alias is missing. */
int fn_resolve(admin_call_t *c, const fn_ref_t *ref, char out[FN_QUALIFIER_MAX + 1]);

/* arn:aws:lambda:{region}:{account}:function:{name}[:{qualifier}] in the request's pool. */
const char *fn_arn(admin_call_t *c, const char *name, const char *qualifier);

/* Applies the configuration fields of body (Runtime, Handler, Role,
 * Description, Timeout, MemorySize, Environment) to doc after checking them
 * all; replies 400 and returns -1 on the first bad one (doc untouched). */
int fn_config_apply(admin_call_t *c, json_t *doc, json_t *body);
/* New LastModified and RevisionId. */
void fn_touch(json_t *doc);
/* 0 when body's RevisionId is absent or the document's; else replies 412. */
int fn_revision_ok(admin_call_t *c, json_t *body, json_t *doc);
/* A copy of a stored document for an answer (Portico's own keys removed). */
json_t *fn_public(json_t *doc);
/* Answers a stored document. */
void fn_reply_doc(admin_call_t *c, int status, json_t *doc);
/* MaxItems (1..10000, default 50) and Marker; replies 400 and returns -1. */
int fn_page(admin_call_t *c, int *limit, const char **marker);

/* ---- code (admin_function_code.c) ---- */

/* Decodes and checks Code.ZipFile / ZipFile (base64) for runtime and handler,
 * stores it (inside the caller's transaction) and sets CodeSha256 and
 * CodeSize in doc; sha256 receives the raw digest. Replies and returns -1. */
int fn_code_decode(admin_call_t *c, json_t *zipfile, const char *runtime, const char *handler,
                   uint8_t **zip, size_t *len);
int fn_code_store(admin_call_t *c, const uint8_t *zip, size_t len, json_t *doc, uint8_t sha256[32]);
/* The raw digest of a document's CodeSha256 (base64); -1 when it has none. */
int fn_doc_sha(json_t *doc, uint8_t sha256[32]);

/* ---- versions (admin_function_version.c) ---- */

/* Publishes $LATEST (doc) as the next version, or answers the last version
 * when nothing changed since; *out is the version's document. Inside the
 * caller's transaction; replies and returns -1 on failure. */
int fn_publish(admin_call_t *c, const char *name, json_t *latest, const char *description,
               json_t **out);

#endif
