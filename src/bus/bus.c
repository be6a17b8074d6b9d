/* bus.c - the bus registry: the backends of this build by name, and opening one by URL. */
#include "bus/bus.h"
#include "util/log.h"
#include "util/util.h"

#include <stdio.h>
#include <string.h>

/* Every backend compiled in; sr_bus_find() looks names up here. */
static const sr_bus_ops *const backends[] = {
    &sr_bus_local,
};
#define NBACKENDS (sizeof backends / sizeof backends[0])

const sr_bus_ops *sr_bus_find(const char *name)
{
    if (!name) return NULL;
    for (size_t i = 0; i < NBACKENDS; i++)
        if (!strcmp(backends[i]->name, name)) return backends[i];
    return NULL;
}

const sr_bus_ops *sr_bus_for_url(const char *url)
{
    if (!url || !*url) return &sr_bus_local;
    char name[32];
    size_t n = strcspn(url, ":");
    if (n >= sizeof name) return NULL;
    snprintf(name, sizeof name, "%.*s", (int)n, url);
    return sr_bus_find(name);
}

char *sr_bus_known(char *buf, size_t n)
{
    size_t o = 0;
    if (!n) return buf;
    buf[0] = '\0';
    for (size_t i = 0; i < NBACKENDS && o < n; i++)
        o += (size_t)snprintf(buf + o, n - o, "%s%s", i ? "," : "", backends[i]->name);
    return buf;
}

int sr_bus_open(const char *url, const sr_bus_config *cfg, sr_bus **out)
{
    *out = NULL;
    const sr_bus_ops *ops = sr_bus_for_url(url);
    if (!ops) {
        char known[128];
        sr_log(SR_LOG_ERROR, "unknown bus backend", "backend=\"%.*s\" url=\"%s\" known=\"%s\"",
               (int)strcspn(url, ":"), url, url, sr_bus_known(known, sizeof known));
        return SR_EINVAL;
    }
    if (!cfg || !cfg->deliver) return SR_EINVAL;
    return ops->open(url && *url ? url : "local", cfg, out);
}
