/* fnenv: the environment variables a function may not set (the runtime sets
 * them itself, the reference refuses them too), one list for the control
 * plane that refuses them and the data plane that checks its snapshot. */
#ifndef PORTICO_FNENV_H
#define PORTICO_FNENV_H

/* 1 when name is one of the reserved variables. */
int fnenv_reserved(const char *name);

#endif
