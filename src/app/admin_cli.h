/* admin_cli.h - the `soundroom user ...` administration commands. */
#ifndef SR_ADMIN_CLI_H
#define SR_ADMIN_CLI_H

#include "app/hub.h"
#include "store/store.h"

/* Runs `user <verb> [name]` against st (borrowed; the caller closes it). The password for
 * add/passwd comes from SOUNDROOM_PASSWORD or the first line of standard input. A new account
 * takes an id reserved through the store; every change also records an SR_NOTICE_ACCOUNT
 * notice (key: the user id) for running servers. Returns a process exit code (0, 1 or 2). */
int sr_admin_user(sr_store *st, const sr_hub_config *hc, const char *verb, const char *name);

#endif
