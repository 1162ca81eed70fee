/* admin_template: mapping templates (request templates, integration
 * response templates, gateway response templates) checked when stored:
 * each is compiled with the VTL engine (common/vtl.h), so a syntax error is
 * refused with 400 naming its line and column, and the reference's size
 * limit holds. */
#ifndef PORTICO_ADMIN_TEMPLATE_H
#define PORTICO_ADMIN_TEMPLATE_H

#include "admin.h"

/* The reference's limit on one mapping template. */
#define ADMIN_TEMPLATE_MAX_BYTES (300 * 1024)

/* Checks every template of a map {content type: template}; NULL is an empty
 * map. 0, or -1 after answering 400. */
int admin_template_check_map(admin_call_t *c, json_t *templates);

/* Checks one template: 0, or -1 with a message in err. */
int admin_template_check(const char *content_type, const char *tmpl, size_t len, char *err,
                         size_t err_len);

#endif
