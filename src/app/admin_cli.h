/* admin_cli.h - the `soundroom user ...` administration commands. */
#ifndef SR_ADMIN_CLI_H
#define SR_ADMIN_CLI_H

#include "app/hub.h"
#include "store/store.h"

/* Runs `user <verb> [name]` against st. The password for add/passwd comes from
 * SOUNDROOM_PASSWORD or the first line of standard input. Returns a process exit code. */
int sr_admin_user(sr_store *st, const sr_hub_config *hc, const char *verb, const char *name);

#endif
