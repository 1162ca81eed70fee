/* fnenv: the reserved function environment variables (see fnenv.h). */
#include "fnenv.h"

#include <string.h>

static const char *const fnenv_reserved_names[] = {
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SECRET_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
};

int fnenv_reserved(const char *name)
{
    for (size_t i = 0; i < sizeof(fnenv_reserved_names) / sizeof(fnenv_reserved_names[0]); i++)
        if (strcmp(name, fnenv_reserved_names[i]) == 0)
            return 1;
    return 0;
}
