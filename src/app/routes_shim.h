/* routes_shim.h - TEMPORARY, branch net only: the REST dispatch until the kernel's route table
 * lands. Delete routes_shim.h and routes_shim.c, and the one line in net/http.c that includes
 * this header, when merging with the kernel: sr_hub_rest then dispatches every module's table.
 * It answers every request (returns 1). */
#ifndef SR_ROUTES_SHIM_H
#define SR_ROUTES_SHIM_H

#include "app/hub.h"

int sr_routes_shim_rest(sr_hub *h, const sr_rest *q);

#ifndef SR_ROUTES_SHIM_IMPL
#define sr_hub_rest sr_routes_shim_rest
#endif

#endif
